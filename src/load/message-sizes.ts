/**
 * Message sizes of the load tool (spec/load.md, "Message sizes"): a fixed size, or the
 * distribution oslo.messaging's load tool draws from.
 *
 * Origin of the table: oslo.messaging `tools/messages_length.yaml` (tag `rocky-eol`; the
 * same data to this day): 4077 lengths of the messages sent through RabbitMQ during a
 * Rally `boot_and_delete_server` run, 806 to 11292 characters. oslo's `tools/simulator.py`
 * (`init_random_generator`) groups them in buckets of 500 starting at
 * `(length // 500) * 500 + 1`, picks a bucket with probability proportional to its count,
 * then a length uniformly in `[start, start + 500)`. OSLO_LENGTH_BUCKETS below is that
 * grouping (bucket start, number of lengths), computed once from the YAML file; the
 * drawing is ours, over a seeded Rng instead of Python's `random`.
 *
 * Pure: no I/O; randomness comes from the Rng given.
 */
import type { Rng } from "../ports/rng.js";
import { uniformInt } from "./seeded-rng.js";

/** oslo's DISTRIBUTION_BUCKET_SIZE. */
export const OSLO_BUCKET_SIZE = 500;

/** [bucket start, count] from oslo's messages_length.yaml (4077 lengths), in ascending order. */
export const OSLO_LENGTH_BUCKETS: readonly (readonly [number, number])[] = Object.freeze([
  [501, 56],
  [1001, 105],
  [1501, 801],
  [2001, 1166],
  [2501, 616],
  [3001, 150],
  [3501, 100],
  [4001, 37],
  [4501, 177],
  [5001, 250],
  [5501, 99],
  [6001, 154],
  [6501, 211],
  [7001, 52],
  [7501, 53],
  [11001, 50],
] as const);

/** The smallest and largest size the oslo distribution can give (bytes, inclusive). */
export const OSLO_MIN_BYTES = OSLO_LENGTH_BUCKETS[0]![0];
export const OSLO_MAX_BYTES = OSLO_LENGTH_BUCKETS[OSLO_LENGTH_BUCKETS.length - 1]![0] + OSLO_BUCKET_SIZE - 1;

/** How message sizes are chosen: `{ kind: "fixed", bytes }` or oslo's distribution. */
export type SizeSpec = { kind: "fixed"; bytes: number } | { kind: "oslo" };

/** Draws one size (bytes) per call. */
export type SizeSampler = () => number;

/** A sampler of oslo's distribution over `rng`. */
export function osloSizes(rng: Rng): SizeSampler {
  const total = OSLO_LENGTH_BUCKETS.reduce((n, [, c]) => n + c, 0);
  return () => {
    let r = uniformInt(rng, total);
    for (const [start, count] of OSLO_LENGTH_BUCKETS) {
      if (r < count) return start + uniformInt(rng, OSLO_BUCKET_SIZE);
      r -= count;
    }
    throw new Error("unreachable: r < total");
  };
}

export function sizeSampler(spec: SizeSpec, rng: Rng): SizeSampler {
  if (spec.kind === "oslo") return osloSizes(rng);
  const bytes = spec.bytes;
  return () => bytes;
}

/** Most distinct messages prepared (oslo's MESSAGES_LIMIT): longer runs cycle through them. */
export const MESSAGES_LIMIT = 1000;

/**
 * The payloads a client sends, prepared before the run as oslo does: `min(count,
 * MESSAGES_LIMIT)` strings of lowercase ASCII letters (one byte each) of the sampled
 * sizes. The client sends them in order, starting over at the end.
 */
export function preparePayloads(sample: SizeSampler, rng: Rng, count: number): string[] {
  const n = Math.max(1, Math.min(count, MESSAGES_LIMIT));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const size = sample();
    // One random letter per 16 bytes is enough to keep the messages distinct.
    let s = "";
    while (s.length < size) s += String.fromCharCode(97 + uniformInt(rng, 26)).repeat(Math.min(16, size - s.length));
    out.push(s);
  }
  return out;
}
