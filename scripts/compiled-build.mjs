/**
 * The build behind `npm run sim`, `npm start` and `npm run load`: tsc compiles `src/` and
 * `sim/` (tsconfig.sim.json: incremental, about 0.3 s when nothing changed, 1 s from
 * scratch) into dist/sim-build/, whose JavaScript those commands then run.
 *
 * Why not tsx, as the tests use: code loaded through tsx runs slower (tsx enables source
 * maps and wraps named functions to keep their names, also closures created per request):
 * long simulations 8–10 % (decision 0011); the load tool's calls one at a time across two
 * processes had a p50 of 551 µs under tsx against 279 µs compiled, and casts 84,795 against
 * 98,789 a second (spec/load.md, "Compiled").
 *
 * Several commands may start at once (a load server in the background, its client right
 * after): one builds at a time, under a lock directory (mkdir is atomic), so that no
 * process imports a file another tsc is rewriting; the next one finds the build up to date.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where the compiled tree lands (tsconfig.sim.json's outDir). */
export const buildDir = path.join(root, "dist", "sim-build");

const LOCK = path.join(root, "dist", ".sim-build.lock");
/** A lock older than this was left by a build that died: taken over. */
const STALE_LOCK_MS = 120_000;
const WAIT_STEP_MS = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding the lock directory `lockPath` (created by mkdir, which is
 * atomic; waited for in steps of WAIT_STEP_MS while another holds it; taken over when older
 * than `staleMs`, left by a process that died), and removes it afterwards, also on a throw.
 */
export async function withLock(lockPath, fn, staleMs = STALE_LOCK_MS) {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockPath);
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(lockPath).mtimeMs;
      } catch {
        continue; // released meanwhile: try again at once
      }
      if (age > staleMs) rmSync(lockPath, { recursive: true, force: true });
      else await sleep(WAIT_STEP_MS);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { recursive: true, force: true });
  }
}

/**
 * Runs the build; true when it succeeded. On failure tsc's errors are on stderr, and a
 * line naming `what` (the command) says what to fix.
 */
export async function buildCompiled(what) {
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const built = await withLock(LOCK, () =>
    spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.sim.json")], { cwd: root, stdio: "inherit" }),
  );
  if (built.status === 0) return true;
  console.error(
    `${what}: the TypeScript build (tsconfig.sim.json) failed${built.error ? `: ${built.error.message}` : ""}; fix the errors above`,
  );
  return false;
}
