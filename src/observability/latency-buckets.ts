/**
 * The fixed latency histogram servers publish for `npm run top` (spec/observability.md,
 * "Published server stats"): cumulative counts per bucket, and the p99 of the calls
 * between two samples. Pure.
 */

/** Upper bounds, in ms; one more bucket counts everything above the last. */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
]);

/** Cumulative counts: `counts[i]` for times <= LATENCY_BUCKETS_MS[i], the last for larger ones. */
export function emptyCounts(): number[] {
  return new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
}

/** Adds one time of `ms` to `counts`. */
export function recordLatency(counts: number[], ms: number): void {
  let i = 0;
  while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
  counts[i] = (counts[i] ?? 0) + 1;
}

/**
 * The bound under which `q` (0..1) of the times between two samples fell: the upper bound
 * of the bucket holding that rank (Infinity: above the last bound), or undefined when no
 * time was recorded in between. `before` may be undefined (every count since the start).
 */
export function quantileBetween(
  before: readonly number[] | undefined,
  after: readonly number[],
  q: number,
  bounds: readonly number[] = LATENCY_BUCKETS_MS,
): number | undefined {
  const delta = after.map((n, i) => Math.max(0, n - (before?.[i] ?? 0)));
  const total = delta.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < delta.length; i++) {
    seen += delta[i]!;
    if (seen >= rank) return i < bounds.length ? bounds[i]! : Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}
