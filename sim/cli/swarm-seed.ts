/**
 * One seed of a swarm, run to a plain, structured-cloneable outcome: what the swarm prints
 * for it and what it adds to the summary. The same function runs in the main thread
 * (`--workers 1`) and in worker threads, so both print exactly the same thing.
 */
import { writeReport } from "../report/html.js";
import { resultJson } from "../report/summary.js";
import { optionsSwarm } from "../swarm.js";
import type { CliArgs } from "./args.js";
import { reproduce, runOne } from "./run-one.js";

export interface SwarmRunRecord {
  seed: number;
  hosts: number;
  calls: number;
  traceHash: string;
  violations: number;
}

export interface SeedOutcome {
  /** The entry of the JSON summary's `runs`. */
  run: SwarmRunRecord;
  /** The seed's line of the text output, newline included. */
  line: string;
  simulatedMs: number;
  wallMs: number;
  settled: { replied: number; timedOut: number; failed: number };
  /** The JSON summary's `violations` entries of this seed (seed and reproduce command included). */
  violations: Record<string, unknown>[];
}

/** Runs swarm seed `seed` (writing its report when it fails, unless --no-report). */
export async function runSwarmSeed(a: CliArgs, seed: number, label: string): Promise<SeedOutcome> {
  const input = optionsSwarm(seed, {
    ...(a.hosts !== undefined ? { hosts: a.hosts } : {}),
    ...(a.calls !== undefined ? { calls: a.calls } : {}),
    ...(a.proxies !== undefined ? { proxies: a.proxies } : {}),
    ...(a.burst !== undefined ? { burst: a.burst } : {}),
  });
  const r = await runOne(a, input, label);
  const cmd = reproduce(a, seed, true);
  const j = resultJson(r, { reproduce: cmd });
  const status = r.violations.length ? `FAIL ${JSON.stringify(r.violationCounts)}\n    reproduce: ${cmd}` : "ok";
  if (r.violations.length && !a.noReport) writeReport(r, { reproduce: cmd }, `reports/sim/swarm-seed-${seed}`);
  return {
    run: { seed, hosts: r.hosts, calls: r.calls, traceHash: r.traceHash, violations: r.violations.length },
    line: `seed ${seed}  hosts ${r.hosts}  requests ${r.calls}  faults ${r.schedule.length}  ${r.traceHash}  ${r.wallMs} ms  ${status}\n`,
    simulatedMs: r.simulatedMs,
    wallMs: r.wallMs,
    settled: { ...r.settled },
    violations: (j.violations as Record<string, unknown>[]).map((v) => ({ seed, ...v, reproduce: cmd })),
  };
}
