/**
 * `npm run sim` and `npm start`: builds the simulator and the driver with tsc into
 * dist/sim-build/ (compiled-build.mjs: incremental, why not tsx), then runs the compiled
 * CLI in this process with the arguments given. The build checks only src/ and sim/, so a
 * type error in a test does not stop a simulation; a type error in the simulated code
 * does, with tsc's message.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildCompiled, buildDir } from "./compiled-build.mjs";

if (!(await buildCompiled("sim"))) {
  process.exitCode = 1; // set, not process.exit(): that could drop queued output
} else {
  // The CLI ends the process itself once its output is flushed (src/cli/command-line.ts).
  await import(pathToFileURL(path.join(buildDir, "sim", "cli", "main.js")).href);
}
