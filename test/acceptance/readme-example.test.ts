/**
 * Goal: the example in README.md runs and prints what its comments say.
 * Method: extract the first ```ts block, point its import at src/index.ts, run it with tsx.
 * Direct routing only: it runs README.md's example as written (zmq://).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";

test("readme - the example runs: call returns 5, the call to a topic with no server times out", () => {
  const readme = readFileSync("README.md", "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, "README has a ts example");
  const dir = mkdtempSync(join(tmpdir(), "readme-"));
  try {
    const file = join(dir, "example.mts");
    writeFileSync(file, block.replace('"zmq-rpc-sandbox"', JSON.stringify(resolve("src/index.ts"))));
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), ["5", "true"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("readme - the notifications example runs: the billing pool charges the compute event only, the indexer gets both in one batch", () => {
  const readme = readFileSync("README.md", "utf8");
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes("new Notifier("));
  assert.ok(block, "README has a notifications example");
  const dir = mkdtempSync(join(tmpdir(), "readme-"));
  try {
    const file = join(dir, "notify-example.mts");
    writeFileSync(file, block.replace('"zmq-rpc-sandbox"', JSON.stringify(resolve("src/index.ts"))));
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n").sort(), [
      "charge i-1 (compute.instance.create.end from compute.host1)",
      "index i-1 v-1",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("readme - the security example runs: the allowed client's call returns 5, a stranger's key is refused by name", () => {
  const readme = readFileSync("README.md", "utf8");
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes("generateCurveKeyPair()"));
  assert.ok(block, "README has a CURVE example");
  const dir = mkdtempSync(join(tmpdir(), "readme-"));
  try {
    const file = join(dir, "curve-example.mts");
    writeFileSync(file, block.replace('"zmq-rpc-sandbox"', JSON.stringify(resolve("src/index.ts"))));
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), ["5", "true"]);
    assert.match(r.stderr, /refused a CURVE client key/, "the server logged the refusal");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
