/**
 * Order statistics of the benchmark's samples: percentiles of a round's latencies, the
 * median over rounds that every reported figure is, and a result built from samples.
 */
import type { Result, Sample } from "./types.js";

/** The q-quantile (0..1) of `xs` by the nearest-rank rule; NaN for an empty list. Does not modify `xs`. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = Float64Array.from(xs).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median (the mean of the two middle values for an even count); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median of the non-null values, null when there is none. */
function medianOrNull(xs: readonly (number | null)[]): number | null {
  const vs = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return vs.length === 0 ? null : median(vs);
}

/** A result from the samples of the rounds: each figure the median of that figure over the rounds. */
export function summarize(samples: readonly Sample[], unit: string, primary: Result["primary"]): Result {
  return {
    opsPerSec: median(samples.map((s) => s.opsPerSec)),
    p50Us: medianOrNull(samples.map((s) => s.p50Us)),
    p99Us: medianOrNull(samples.map((s) => s.p99Us)),
    unit,
    primary,
    samples: [...samples],
  };
}

/**
 * The ratio a / b of two systems measured in the same rounds: the median of the per-round
 * ratios (round i of a against round i of b, which ran back to back), so a load that came
 * and went during the run weighs on both sides of each ratio alike. Null when either is missing.
 */
export function pairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined): number | null {
  if (!a || !b) return null;
  const n = Math.min(a.length, b.length);
  const rs: number[] = [];
  for (let i = 0; i < n; i++) if (b[i]! > 0 && Number.isFinite(a[i]!)) rs.push(a[i]! / b[i]!);
  return rs.length === 0 ? null : median(rs);
}
