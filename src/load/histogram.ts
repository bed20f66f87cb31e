/**
 * A latency histogram for the load tool (spec/load.md, "Latency"): bounded memory whatever
 * the run's length, about 1.6 % relative precision, exact minimum and maximum.
 *
 * Values are recorded in microseconds. Below 64 µs every microsecond has its own bucket;
 * above, each power of two is split into 64 equal buckets (the layout of HdrHistogram with
 * 6 significant bits). The fixed histogram of src/observability/latency-buckets.ts (1, 2,
 * 5, 10 … ms) is too coarse for loopback calls of a few hundred microseconds, hence this.
 *
 * `percentile(q)` answers the upper bound of the bucket holding the rank `ceil(q * count)`,
 * clamped to [min, max]: never below the minimum nor above the maximum, and monotone in q.
 * Pure: no I/O.
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64

/** The bucket index of `us` (a non-negative integer). */
export function bucketOf(us: number): number {
  if (us < SUB) return us;
  const e = Math.floor(Math.log2(us));
  // Math.log2 may round up just below a power of two: correct it.
  const exp = 2 ** e > us ? e - 1 : e;
  const shift = exp - SUB_BITS;
  const sub = Math.floor(us / 2 ** shift) - SUB;
  return SUB + shift * SUB + sub;
}

/** The largest value (µs) that falls in bucket `i`. */
export function bucketUpperUs(i: number): number {
  if (i < SUB) return i;
  const shift = Math.floor((i - SUB) / SUB);
  const sub = (i - SUB) % SUB;
  return (SUB + sub + 1) * 2 ** shift - 1;
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = 0;

  /** Records one latency of `ms` milliseconds (negative values count as 0). */
  record(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    const i = bucketOf(us);
    this.counts.set(i, (this.counts.get(i) ?? 0) + 1);
    this.n++;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Adds every value of `other`. */
  merge(other: LatencyHistogram): void {
    for (const [i, c] of other.counts) this.counts.set(i, (this.counts.get(i) ?? 0) + c);
    this.n += other.n;
    this.minUs = Math.min(this.minUs, other.minUs);
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }

  get count(): number {
    return this.n;
  }

  /** Smallest value in ms (exact to the microsecond); undefined when empty. */
  get minMs(): number | undefined {
    return this.n === 0 ? undefined : this.minUs / 1000;
  }

  /** Largest value in ms (exact to the microsecond); undefined when empty. */
  get maxMs(): number | undefined {
    return this.n === 0 ? undefined : this.maxUs / 1000;
  }

  /** The q-quantile (0 <= q <= 1) in ms, or undefined when empty. */
  percentile(q: number): number | undefined {
    if (this.n === 0) return undefined;
    if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile needs 0 <= q <= 1, got ${q}`);
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (const i of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(i)!;
      if (seen >= rank) return Math.min(this.maxUs, Math.max(this.minUs, bucketUpperUs(i))) / 1000;
    }
    return this.maxUs / 1000;
  }
}
