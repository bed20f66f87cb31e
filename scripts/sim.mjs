/**
 * `npm run sim` and `npm start`: builds the simulator and the driver with tsc
 * (tsconfig.sim.json: src/ and sim/ only, incremental, about 0.3 s when nothing changed,
 * 1 s from scratch) into dist/sim-build/, then runs the compiled CLI in this process with
 * the arguments given.
 *
 * Why not tsx, as the tests use: code loaded through tsx runs about 10 % slower in long
 * simulations (tsx enables source maps and wraps named functions to keep their names,
 * also closures created per request), and the simulator is a benchmark too. The build
 * checks only src/ and sim/, so a type error in a test does not stop a simulation; a
 * type error in the simulated code does, with tsc's message.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
const built = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.sim.json")], {
  cwd: root,
  stdio: "inherit",
});
if (built.status !== 0) {
  console.error(
    `sim: the TypeScript build (tsconfig.sim.json) failed${built.error ? `: ${built.error.message}` : ""}; fix the errors above`,
  );
  process.exitCode = built.status ?? 1; // set, not process.exit(): that could drop queued output
} else {
  // The CLI ends the process itself once its output is flushed (src/cli/command-line.ts).
  await import(pathToFileURL(path.join(root, "dist", "sim-build", "sim", "cli", "main.js")).href);
}
