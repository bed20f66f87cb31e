/**
 * `npm run bench`: the benchmark suite (spec/benchmarks.md). Runs the selected scenarios
 * for the driver, raw zeromq.js and the peers in interleaved rounds (runner.ts), prints a
 * table per scenario with the ratios in words (report.ts) and, with --json, the report as
 * the last stdout line; or compares two such reports (--compare, compare.ts).
 * Progress and skipped systems go to stderr. Run `npm run bench -- --help` for the options.
 */
import { exitWhenFlushed, parseOrExit } from "../src/cli/command-line.js";
import { parseBenchArgs, USAGE } from "./cli.js";
import { compareReports, readReport } from "./compare.js";
import { startMeta } from "./meta.js";
import { computeRatios } from "./ratios.js";
import { humanReport } from "./report.js";
import { runPlan } from "./runner.js";
import { SystemRegistry } from "./systems/registry.js";
import type { BenchReport } from "./types.js";

const args = await parseOrExit(() => parseBenchArgs(), USAGE);
const note = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

if (args.mode === "compare") {
  let text: string;
  try {
    text = compareReports(readReport(args.before), readReport(args.after));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    await exitWhenFlushed(1);
    throw err; // not reached
  }
  process.stdout.write(text);
  await exitWhenFlushed(0);
}

if (args.mode === "run") {
  const { quick, json, scenarios, systems, timeMs, rounds } = args;
  const meta = startMeta({ quick, scenarios, systems: [...systems], timeMs, rounds });
  const registry = new SystemRegistry(systems, note);
  const t0 = performance.now();
  let results: BenchReport["results"];
  try {
    results = await runPlan({ scenarios, rounds, timeMs }, registry, note);
  } finally {
    await registry.closeAll();
  }
  note(`ran in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const report: BenchReport = {
    schema: 1,
    meta: meta.finish(registry.skipped),
    results,
    ratios: computeRatios(results),
  };
  process.stdout.write(humanReport(report));
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  await exitWhenFlushed(0);
}
