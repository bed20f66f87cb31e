/**
 * `npm run sim`: one run, a named scenario, or a swarm of seeds; terminal summary, HTML
 * report, optional JSON last line. Exit status 1 when any checker found a violation.
 * Every run prints its seed and the exact command that reproduces it.
 */
import { randomInt } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { FAULT_PRESETS } from "../faults/options.js";
import type { SimInput } from "../options.js";
import { writeReport } from "../report/html.js";
import { resultJson, terminalSummary, type RunLabel } from "../report/summary.js";
import { runSimulation, type RunHooks, type SimResult } from "../run.js";
import { findScenario, SCENARIOS } from "../scenarios/catalog.js";
import { searchSchedules } from "../shrink.js";
import { optionsSwarm } from "../swarm.js";
import { parseArgs, USAGE, type CliArgs } from "./args.js";
import { performance } from "node:perf_hooks";

function reproduce(a: CliArgs, seed: number, swarm: boolean): string {
  const parts = ["npm run sim --"];
  if (a.scenario) parts.push(`--scenario ${a.scenario}`);
  if (swarm) parts.push("--swarm 1");
  parts.push(`--seed ${seed}`);
  if (a.hosts !== undefined) parts.push(`--hosts ${a.hosts}`);
  if (a.calls !== undefined) parts.push(`--calls ${a.calls}`);
  if (!a.scenario && !swarm) {
    if (a.rate !== undefined) parts.push(`--rate ${a.rate}`);
    if (a.timeoutMs !== undefined) parts.push(`--timeout-ms ${a.timeoutMs}`);
    if (a.faults !== "default") parts.push(`--faults ${a.faults}`);
  }
  if (a.plantedBug) parts.push(`--planted-bug ${a.plantedBug}`);
  return parts.join(" ");
}

function singleInput(a: CliArgs, seed: number): { input: SimInput; name: string } {
  if (a.scenario) {
    const s = findScenario(a.scenario);
    if (!s) throw new RangeError(`unknown scenario ${a.scenario}; known: ${SCENARIOS.map((x) => x.name).join(", ")}`);
    const cluster = { ...s.input.cluster, ...(a.hosts !== undefined ? { hosts: a.hosts } : {}) };
    const workload = { ...s.input.workload, ...(a.calls !== undefined ? { calls: a.calls } : {}) };
    return { input: { ...s.input, cluster, workload, seed }, name: s.name };
  }
  return {
    input: {
      seed,
      cluster: { hosts: a.hosts ?? 20 },
      workload: {
        calls: a.calls ?? 2000,
        ...(a.rate !== undefined ? { ratePerSec: a.rate } : {}),
        ...(a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {}),
      },
      faults: FAULT_PRESETS[a.faults]!,
    },
    name: `seed-${seed}-${a.hosts ?? 20}h-${a.calls ?? 2000}c`,
  };
}

async function runOne(a: CliArgs, input: SimInput, label: string): Promise<SimResult> {
  const hooks: RunHooks = { drain: a.drain };
  const showProgress = a.progress ?? process.stderr.isTTY === true;
  const bar = showProgress ? new ProgressBar(label) : undefined;
  if (bar) hooks.onProgress = (f) => bar.update(f);
  let fd: number | undefined;
  if (a.trace) {
    fd = openSync(a.trace, "w");
    const out = fd;
    hooks.traceSink = (line) => writeSync(out, `${line}\n`);
  }
  try {
    const input2 = a.plantedBug ? { ...input, plantedBug: a.plantedBug } : input;
    return await runSimulation(input2, hooks);
  } finally {
    bar?.done();
    if (fd !== undefined) closeSync(fd);
  }
}

async function main(): Promise<number> {
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
  const base = a.plantedBug ? { ...input, plantedBug: a.plantedBug } : input;
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

async function swarm(a: CliArgs, first: number): Promise<number> {
  const runs: Record<string, unknown>[] = [];
  const totals = { replied: 0, timedOut: 0, failed: 0 };
  const violations: Record<string, unknown>[] = [];
  let calls = 0;
  let hosts = 0;
  let simulatedMs = 0;
  let wallMs = 0;
  let hashes = "";
  for (let i = 0; i < a.swarm!; i++) {
    const seed = first + i;
    const input = optionsSwarm(seed, {
      ...(a.hosts !== undefined ? { hosts: a.hosts } : {}),
      ...(a.calls !== undefined ? { calls: a.calls } : {}),
    });
    const r = await runOne(a, input, `swarm ${i + 1}/${a.swarm}`);
    const cmd = reproduce(a, seed, true);
    const j = resultJson(r, { reproduce: cmd });
    runs.push({ seed, hosts: r.hosts, calls: r.calls, traceHash: r.traceHash, violations: r.violations.length });
    calls += r.calls;
    hosts += r.hosts;
    simulatedMs += r.simulatedMs;
    wallMs += r.wallMs;
    hashes += r.traceHash;
    totals.replied += r.settled.replied;
    totals.timedOut += r.settled.timedOut;
    totals.failed += r.settled.failed;
    for (const v of j.violations as Record<string, unknown>[]) violations.push({ seed, ...v, reproduce: cmd });
    if (!a.json) {
      const status = r.violations.length ? `FAIL ${JSON.stringify(r.violationCounts)}\n    reproduce: ${cmd}` : "ok";
      process.stdout.write(
        `seed ${seed}  hosts ${r.hosts}  requests ${r.calls}  faults ${r.schedule.length}  ${r.traceHash}  ${r.wallMs} ms  ${status}\n`,
      );
    }
    if (r.violations.length && !a.noReport) writeReport(r, { reproduce: cmd }, `reports/sim/swarm-seed-${seed}`);
  }
  const failures = runs.filter((r) => (r.violations as number) > 0).length;
  if (!a.json) process.stdout.write(`swarm: ${runs.length} seeds from ${first}, ${failures} with violations\n`);
  else {
    const { createHash } = await import("node:crypto");
    const traceHash = createHash("sha256").update(hashes).digest("hex").slice(0, 16);
    process.stdout.write(
      `${JSON.stringify({
        seed: first,
        swarm: runs.length,
        hosts,
        calls,
        simulatedMs: Math.round(simulatedMs),
        wallMs,
        traceHash,
        settled: totals,
        violations,
        runs,
      })}\n`,
    );
  }
  return failures > 0 ? 1 : 0;
}

/**
 * Progress bar on stderr for long runs. It reads the wall clock only to throttle its own
 * output; nothing it does reaches the simulation.
 */
class ProgressBar {
  private lastDraw = 0;
  private readonly start = performance.now();

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(fraction: number): void {
    const now = performance.now();
    if (now - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = now;
    const f = Math.max(0, Math.min(1, fraction));
    const width = 30;
    const done = Math.round(f * width);
    const secs = ((now - this.start) / 1000).toFixed(1);
    this.out.write(
      `\r${this.label} [${"#".repeat(done)}${".".repeat(width - done)}] ${(f * 100).toFixed(0).padStart(3)}%  ${secs} s`,
    );
  }

  done(): void {
    this.out.write(`\r${" ".repeat(70)}\r`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
