/**
 * `--swarm <count>`: a sweep of seeds, each with its own drawn world (sim/swarm.ts). Prints
 * one line per seed in seed order and a summary, or one JSON object. Exit status 1 when
 * any seed found a violation.
 */
import { createHash } from "node:crypto";
import type { CliArgs } from "./args.js";
import { runSwarmSeed, type SeedOutcome, type SwarmRunRecord } from "./swarm-seed.js";

/** The seeds' outcomes in seed order. */
async function* outcomes(a: CliArgs, seeds: number[]): AsyncGenerator<SeedOutcome> {
  for (const [i, seed] of seeds.entries()) yield await runSwarmSeed(a, seed, `swarm ${i + 1}/${seeds.length}`);
}

export async function swarm(a: CliArgs, first: number): Promise<number> {
  const seeds = Array.from({ length: a.swarm! }, (_, i) => first + i);
  const runs: SwarmRunRecord[] = [];
  const totals = { replied: 0, timedOut: 0, failed: 0 };
  const violations: Record<string, unknown>[] = [];
  let calls = 0;
  let hosts = 0;
  let simulatedMs = 0;
  let wallMs = 0;
  let hashes = "";
  for await (const o of outcomes(a, seeds)) {
    runs.push(o.run);
    calls += o.run.calls;
    hosts += o.run.hosts;
    simulatedMs += o.simulatedMs;
    wallMs += o.wallMs;
    hashes += o.run.traceHash;
    totals.replied += o.settled.replied;
    totals.timedOut += o.settled.timedOut;
    totals.failed += o.settled.failed;
    violations.push(...o.violations);
    if (!a.json) process.stdout.write(o.line);
  }
  const failures = runs.filter((r) => r.violations > 0).length;
  if (!a.json) process.stdout.write(`swarm: ${runs.length} seeds from ${first}, ${failures} with violations\n`);
  else {
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
