/**
 * `--swarm <count>`: a sweep of seeds, each with its own drawn world (sim/swarm.ts), on
 * worker threads or in this thread, optionally one shard of the sweep. Prints one line per
 * seed in seed order and a summary, or one JSON object; the output does not depend on the
 * number of workers. Exit status 1 when any seed found a violation.
 *
 * Shards: `--swarm N --seed S --shard k/n` runs the k-th of n contiguous blocks of the
 * seeds S .. S+N-1, so that CI jobs or machines can split one sweep. Block k holds the
 * offsets floor((k-1)·N/n) up to, not including, floor(k·N/n): the blocks cover every seed
 * once, in order, and differ in size by at most one seed. A shard is therefore the same as
 * an unsharded swarm of its own block, and the outputs of shards 1..n, taken in order,
 * list the seeds of the whole sweep in seed order.
 */
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { UsageError } from "../../src/cli/command-line.js";
import type { CliArgs } from "./args.js";
import { ProgressBar, showProgress } from "./run-one.js";
import { runSwarmSeed, type SeedOutcome, type SwarmRunRecord } from "./swarm-seed.js";
import { onWorkers } from "./swarm-workers.js";

export interface Shard {
  /** 1-based: 1 .. count. */
  index: number;
  count: number;
}

/** Parses "k/n" with 1 <= k <= n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count)
    throw new UsageError(`--shard needs k/n with 1 <= k <= n (e.g. 2/4), got ${text}`);
  return { index, count };
}

/** The seed offsets [from, to) of `shard` in a sweep of `total` seeds (the whole sweep without a shard). */
export function shardRange(total: number, shard: Shard | undefined): { from: number; to: number } {
  if (!shard) return { from: 0, to: total };
  return {
    from: Math.floor(((shard.index - 1) * total) / shard.count),
    to: Math.floor((shard.index * total) / shard.count),
  };
}

/** Worker threads for `seeds` seeds: as asked, else one per core; never more than the seeds. */
export function workerCount(asked: number | undefined, seeds: number): number {
  return Math.max(1, Math.min(asked ?? availableParallelism(), seeds));
}

/** The seeds' outcomes in seed order: in this thread with one worker, else on worker threads. */
async function* outcomes(a: CliArgs, seeds: number[]): AsyncGenerator<SeedOutcome> {
  const workers = workerCount(a.workers, seeds.length);
  if (workers === 1) {
    for (const [i, seed] of seeds.entries()) yield await runSwarmSeed(a, seed, `swarm ${i + 1}/${seeds.length}`);
    return;
  }
  const bar = showProgress(a.progress) ? new ProgressBar(`swarm of ${seeds.length} on ${workers} workers`) : undefined;
  try {
    for await (const o of onWorkers(a, seeds, workers, (finished) => bar?.update(finished / seeds.length))) {
      bar?.done(); // clears the bar's line before the seed's line is printed; the next update redraws it
      yield o;
    }
  } finally {
    bar?.done();
  }
}

export async function swarm(a: CliArgs, first: number): Promise<number> {
  const total = a.swarm!;
  const { from, to } = shardRange(total, a.shard);
  const seeds = Array.from({ length: to - from }, (_, i) => first + from + i);
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
  const shard = a.shard ? { index: a.shard.index, count: a.shard.count, seed: first, swarm: total } : undefined;
  if (!a.json) {
    const which = shard
      ? `shard ${shard.index}/${shard.count}: ${runs.length} of ${total} seeds from ${first}${runs.length ? `, ${seeds[0]}..${seeds[seeds.length - 1]}` : ""}`
      : `${runs.length} seeds from ${first}`;
    process.stdout.write(`swarm: ${which}, ${failures} with violations\n`);
  } else {
    const traceHash = createHash("sha256").update(hashes).digest("hex").slice(0, 16);
    process.stdout.write(
      `${JSON.stringify({
        seed: shard ? (seeds[0] ?? first + from) : first,
        swarm: runs.length,
        ...(shard ? { shard } : {}),
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
