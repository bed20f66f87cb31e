/**
 * Figures for the report, computed from the CallLog after a run: latency distribution of
 * answered calls (virtual time from issue to reply), outcomes over virtual time, and
 * outcome counts per request kind.
 */
import { type CallLog, KIND, KIND_NAMES, OUTCOME } from "../history/call-log.js";

export interface Histogram {
  /** Bucket lower bounds in ms (log-spaced, 4 per decade); the last bucket is open-ended. */
  edgesMs: number[];
  counts: number[];
}

export interface LatencyStats {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  histogram: Histogram;
}

export interface Throughput {
  startMs: number;
  bucketMs: number;
  replied: number[];
  timedOut: number[];
  failed: number[];
}

export type KindCounts = Record<
  (typeof KIND_NAMES)[number],
  { replied: number; timedOut: number; failed: number; abandoned: number }
>;

const EDGES_MS = Array.from({ length: 29 }, (_, i) => 10 ** (-2 + i / 4));

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function latencyStats(log: CallLog): LatencyStats {
  let n = 0;
  for (let i = 0; i < log.size; i++)
    if (log.kind[i] === KIND.call && log.outcome[i] === OUTCOME.replied && log.probe[i] === 0) n++;
  const lat = new Float64Array(n);
  let k = 0;
  let sum = 0;
  const counts = new Array<number>(EDGES_MS.length).fill(0);
  for (let i = 0; i < log.size; i++) {
    if (log.kind[i] !== KIND.call || log.outcome[i] !== OUTCOME.replied || log.probe[i] !== 0) continue;
    const ms = (log.settledUs[i]! - log.issuedUs[i]!) / 1000;
    lat[k++] = ms;
    sum += ms;
    let b = 0;
    while (b + 1 < EDGES_MS.length && ms >= EDGES_MS[b + 1]!) b++;
    counts[b]!++;
  }
  lat.sort();
  return {
    count: n,
    meanMs: n > 0 ? sum / n : 0,
    p50Ms: percentile(lat, 0.5),
    p90Ms: percentile(lat, 0.9),
    p99Ms: percentile(lat, 0.99),
    p999Ms: percentile(lat, 0.999),
    maxMs: n > 0 ? lat[n - 1]! : 0,
    histogram: { edgesMs: EDGES_MS, counts },
  };
}

export function throughput(log: CallLog, buckets = 100): Throughput {
  let first = Infinity;
  let last = 0;
  for (let i = 0; i < log.size; i++) {
    const o = log.outcome[i]!;
    if (o < OUTCOME.replied || o > OUTCOME.failed) continue;
    first = Math.min(first, log.settledUs[i]!);
    last = Math.max(last, log.settledUs[i]!);
  }
  if (!Number.isFinite(first)) first = last = 0;
  const startMs = first / 1000;
  const bucketMs = Math.max(0.001, (last - first) / 1000 / buckets);
  const t: Throughput = {
    startMs,
    bucketMs,
    replied: new Array(buckets).fill(0),
    timedOut: new Array(buckets).fill(0),
    failed: new Array(buckets).fill(0),
  };
  for (let i = 0; i < log.size; i++) {
    const o = log.outcome[i]!;
    if (o < OUTCOME.replied || o > OUTCOME.failed) continue;
    const b = Math.min(buckets - 1, Math.floor((log.settledUs[i]! / 1000 - startMs) / bucketMs));
    (o === OUTCOME.replied ? t.replied : o === OUTCOME.timedOut ? t.timedOut : t.failed)[b]!++;
  }
  return t;
}

export function kindCounts(log: CallLog): KindCounts {
  const out = Object.fromEntries(
    KIND_NAMES.map((k) => [k, { replied: 0, timedOut: 0, failed: 0, abandoned: 0 }]),
  ) as KindCounts;
  for (let i = 0; i < log.size; i++) {
    if (log.probe[i] === 1) continue;
    const c = out[KIND_NAMES[log.kind[i]!]!];
    const o = log.outcome[i]!;
    if (o === OUTCOME.replied) c.replied++;
    else if (o === OUTCOME.timedOut) c.timedOut++;
    else if (o === OUTCOME.failed) c.failed++;
    else if (o === OUTCOME.abandoned) c.abandoned++;
  }
  return out;
}
