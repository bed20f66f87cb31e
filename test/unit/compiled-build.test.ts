/**
 * Goal: the build behind `npm run sim` and `npm run load` (scripts/compiled-build.mjs,
 * spec/load.md "Compiled") runs one at a time: a lock directory taken by mkdir, waited
 * for, released after the work even when it throws, and taken over when a dead process
 * left it; and `npm run load` hands its arguments to the compiled tool.
 * Method: withLock on a temporary path with overlapping holders that record whether they
 * ever ran together; scripts/run-compiled.mjs run as `npm run load` and `npm run proxy` run it, with a usage mistake.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { withLock } from "../../scripts/compiled-build.mjs";
import { repoPath } from "../support/run-script.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("compiled build - holders of the lock never overlap, each runs once, and the lock is gone after", async () => {
  const dir = mkdtempSync(join(tmpdir(), "build-lock-"));
  const lockPath = join(dir, "lock");
  try {
    let inside = 0;
    let most = 0;
    const ran: number[] = [];
    await Promise.all(
      [30, 5, 20, 0, 10].map((ms, i) =>
        withLock(lockPath, async () => {
          inside++;
          most = Math.max(most, inside);
          await pause(ms);
          ran.push(i);
          inside--;
        }),
      ),
    );
    assert.equal(most, 1, "two holders ran at once");
    assert.deepEqual([...ran].sort(), [0, 1, 2, 3, 4]);
    assert.equal(existsSync(lockPath), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("compiled build - a throw releases the lock; a lock older than staleMs is taken over, a fresh one waited for", async () => {
  const dir = mkdtempSync(join(tmpdir(), "build-lock-"));
  const lockPath = join(dir, "lock");
  try {
    await assert.rejects(
      withLock(lockPath, () => {
        throw new Error("build failed");
      }),
      /build failed/,
    );
    assert.equal(existsSync(lockPath), false);

    mkdirSync(lockPath); // left by a build that died a minute ago
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath, old, old);
    assert.equal(await withLock(lockPath, () => "took over", 30_000), "took over");

    mkdirSync(lockPath); // held right now by another build
    let done = false;
    const waiting = withLock(lockPath, () => {
      done = true;
    });
    await pause(250);
    assert.equal(done, false, "ran while another held the lock");
    rmSync(lockPath, { recursive: true });
    await waiting;
    assert.equal(done, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** scripts/run-compiled.mjs with `args`, as `npm run load` and `npm run proxy` run it. */
function runCompiled(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [repoPath("scripts/run-compiled.mjs"), ...args],
      { timeout: 120_000 },
      (err, _o, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
}

test("compiled build - npm run load and npm run proxy (scripts/run-compiled.mjs) build, then hand their arguments to the compiled tool", async () => {
  const load = await runCompiled(["src/cli/load.ts", "no-such-mode"]);
  assert.equal(load.code, 2, load.stderr);
  assert.match(load.stderr, /usage: npm run load -- <mode>/);
  const proxy = await runCompiled(["src/cli/proxy.ts", "--no-such-option"]);
  assert.equal(proxy.code, 2, proxy.stderr);
  assert.match(proxy.stderr, /usage: npm run proxy -- --url URL/);
  const none = await runCompiled([]);
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /usage: node scripts\/run-compiled\.mjs src\/<path>\.ts/);
});
