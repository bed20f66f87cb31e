/**
 * Shards of a swarm: `--swarm N --seed S --shard k/n` runs the k-th of n contiguous blocks
 * of the seeds S .. S+N-1, so that CI jobs or machines can split one sweep. Block k holds
 * the offsets floor((k-1)·N/n) up to, not including, floor(k·N/n): the blocks cover every
 * seed once, in order, and differ in size by at most one seed. A shard is therefore the
 * same as an unsharded swarm of its own block, and the outputs of shards 1..n, taken in
 * order, list the seeds of the whole sweep in seed order.
 */
import { UsageError } from "../../src/cli/command-line.js";

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
