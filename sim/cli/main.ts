/**
 * `npm run sim`: one run, a named scenario, a search, or a swarm of seeds (swarm.ts);
 * terminal summary, HTML report, optional JSON last line. Exit status 1 when any checker
 * found a violation, 2 on bad usage or a crash. Every run prints its seed and the exact
 * command that reproduces it.
 */
import { randomInt } from "node:crypto";
import { exitQuietlyWhenStdoutCloses, exitWhenFlushed, UsageError } from "../../src/cli/command-line.js";
import { writeReport } from "../report/html.js";
import { resultJson, terminalSummary, type RunLabel } from "../report/summary.js";
import { SCENARIOS } from "../scenarios/catalog.js";
import { searchSchedules } from "../shrink.js";
import { parseArgs, USAGE, type CliArgs } from "./args.js";
import { reproduce, runOne, singleInput, withBalancing } from "./run-one.js";
import { swarm } from "./swarm.js";

async function main(): Promise<number> {
  exitQuietlyWhenStdoutCloses();
  const a = parseArgs(process.argv.slice(2), process.env);
  if (a.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (a.listScenarios) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(28)} ${s.title}\n`);
    return 0;
  }
  const seed = a.seed?.seed ?? randomInt(2 ** 47);
  const commit = a.seed?.commit;
  if (!a.json)
    process.stdout.write(
      `seed ${seed}${commit ? ` (from commit ${commit})` : ""}${a.seed ? "" : " (random; pass --seed to repeat)"}\n`,
    );
  if (a.swarm !== undefined) return swarm(a, seed);
  if (a.search !== undefined) return search(a, seed);
  const { input, name } = singleInput(a, seed);
  const r = await runOne(a, input, name);
  const label: RunLabel = {
    reproduce: reproduce(a, seed, false),
    ...(a.scenario ? { scenario: a.scenario } : {}),
    ...(commit ? { commit } : {}),
  };
  const reportPath = a.noReport ? undefined : writeReport(r, label, a.report ?? `reports/sim/${name}`);
  if (!a.json) process.stdout.write(`${terminalSummary(r, label, reportPath)}\n`);
  else
    process.stdout.write(
      `${JSON.stringify({ ...resultJson(r, label), ...(reportPath ? { report: reportPath } : {}) })}\n`,
    );
  return r.violations.length > 0 ? 1 : 0;
}

/** --search: fast-check over fault schedules for this cluster; prints the shrunk counterexample. */
async function search(a: CliArgs, seed: number): Promise<number> {
  const { input } = singleInput({ ...a, faults: "none" }, seed);
  const hosts = input.cluster?.hosts ?? 20;
  const windowMs = ((input.workload?.calls ?? 2000) / (input.workload?.ratePerSec ?? 2000)) * 1000;
  const base = withBalancing(a, a.plantedBug ? { ...input, plantedBug: a.plantedBug } : input);
  const out = await searchSchedules(
    base,
    { hosts, fromMs: 100, toMs: 100 + windowMs, maxForMs: Math.max(10, windowMs), maxActions: 6 },
    { seed, numRuns: a.search! },
  );
  if (a.json) process.stdout.write(`${JSON.stringify({ seed, ...out })}\n`);
  else if (!out.failed) process.stdout.write(`search: ${out.numRuns} schedules, no violation\n`);
  else {
    process.stdout.write(
      `search: a schedule broke ${[...new Set(out.violations!.map((v) => v.checker))].join(", ")}; shrunk ${out.numShrinks} times to:\n`,
    );
    process.stdout.write(
      `${out
        .dsl!.split("\n")
        .map((l) => `  ${l}`)
        .join("\n")}\n`,
    );
    for (const v of out.violations!.slice(0, 5)) process.stdout.write(`  [${v.checker}] ${v.message}\n`);
    process.stdout.write(`reproduce the search: ${reproduce(a, seed, false)} --search ${a.search}\n`);
  }
  return out.failed ? 1 : 0;
}

main().then(exitWhenFlushed, (err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    err instanceof UsageError ? `${message}\n(npm run sim -- --help lists the options)\n` : `${message}\n`,
  );
  return exitWhenFlushed(2);
});
