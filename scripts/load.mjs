/**
 * `npm run load`: builds the driver with tsc into dist/sim-build/ (compiled-build.mjs:
 * incremental, one build at a time, why not tsx), then runs the compiled load tool
 * (src/cli/load.ts) in this process with the arguments given, so that its figures are
 * those of the JavaScript a deployment runs (spec/load.md, "Compiled").
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildCompiled, buildDir } from "./compiled-build.mjs";

if (!(await buildCompiled("load"))) {
  process.exitCode = 1; // set, not process.exit(): that could drop queued output
} else {
  const { main } = await import(pathToFileURL(path.join(buildDir, "src", "cli", "load.js")).href);
  await main();
}
