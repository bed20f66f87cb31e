/**
 * `npm run load` and `npm run proxy`: `node scripts/run-compiled.mjs src/cli/<tool>.ts
 * [arguments]` builds the driver with tsc into dist/sim-build/ (compiled-build.mjs:
 * incremental, one build at a time, why not tsx), then calls the compiled tool's exported
 * `main` in this process with the arguments after the tool's path, so that signals reach
 * it as they would the tool itself and its figures are those of the JavaScript a
 * deployment runs (spec/load.md, "Compiled").
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildCompiled, buildDir } from "./compiled-build.mjs";

const [tool] = process.argv.splice(2, 1); // the tool's main reads process.argv.slice(2)
if (tool === undefined || !/^src\/.+\.ts$/.test(tool)) {
  console.error("usage: node scripts/run-compiled.mjs src/<path>.ts [arguments]");
  process.exitCode = 2;
} else if (!(await buildCompiled(path.basename(tool, ".ts")))) {
  process.exitCode = 1; // set, not process.exit(): that could drop queued output
} else {
  const { main } = await import(pathToFileURL(path.join(buildDir, tool.replace(/\.ts$/, ".js"))).href);
  await main();
}
