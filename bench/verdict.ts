/**
 * The noise-aware verdict of `npm run bench -- --compare` (spec/benchmarks.md, "Compare"):
 * whether one figure changed between two runs, judged from the samples of each run (one
 * per round), never from the medians alone.
 *
 * Rule: "better" or "worse" only when both hold:
 * 1. a two-sided Mann-Whitney U test on the two sample sets gives p < ALPHA (normal
 *    approximation with the tie correction and a continuity correction), i.e. the samples
 *    of one run lie mostly above those of the other, not just their medians;
 * 2. the medians differ by at least MIN_CHANGE (relative): a real but tiny shift is
 *    reported as within noise, since a machine's state moves figures by that much.
 * Fewer than MIN_SAMPLES samples on either side: "within noise" (with 3 against 3 the test
 * can never reach p < 0.05). The direction follows the figure: a higher ops/s is better,
 * a higher latency is worse. Pure: no I/O, no clock.
 */

export const ALPHA = 0.05;
export const MIN_CHANGE = 0.03;
export const MIN_SAMPLES = 4;

export type Verdict = "better" | "worse" | "within noise";

export interface Judgement {
  verdict: Verdict;
  /** Relative change of the median, new / old - 1. */
  change: number;
  /** Two-sided p-value of the Mann-Whitney U test (1 when it could not run). */
  p: number;
}

/** Standard normal upper tail P(Z > z), z >= 0 (Abramowitz and Stegun 7.1.26, error < 1.5e-7). */
function normalTail(z: number): number {
  const t = 1 / (1 + 0.3275911 * (z / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 0.5 * poly * Math.exp(-(z * z) / 2);
}

/** Two-sided p-value of the Mann-Whitney U test of `a` against `b`. */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return 1;
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1; // mean rank of the tied run i..j (1-based)
    for (let k = i; k <= j; k++) if (all[k]!.g === 0) rankSumA += rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return 1; // every value equal: nothing to tell apart
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * normalTail(z));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Judges the change of one figure from the samples `before` to `after`.
 * `higherIsBetter`: true for ops/s, false for latencies.
 */
export function judge(before: readonly number[], after: readonly number[], higherIsBetter: boolean): Judgement {
  const a = before.filter(Number.isFinite);
  const b = after.filter(Number.isFinite);
  const m0 = a.length ? median(a) : Number.NaN;
  const m1 = b.length ? median(b) : Number.NaN;
  const change = m0 > 0 ? m1 / m0 - 1 : Number.NaN;
  if (a.length < MIN_SAMPLES || b.length < MIN_SAMPLES) return { verdict: "within noise", change, p: 1 };
  const p = mannWhitneyP(a, b);
  if (!(p < ALPHA) || !(Math.abs(change) >= MIN_CHANGE)) return { verdict: "within noise", change, p };
  const up = change > 0;
  return { verdict: up === higherIsBetter ? "better" : "worse", change, p };
}
