/**
 * What a load client measured (spec/load.md, "Report"): the `RunRecorder` a client feeds
 * as messages go and come back, per-second buckets for the chart, and the final
 * `LoadReport` with the lost-message accounting. Pure: every time is an argument (ms on
 * the Clock port's monotonic line).
 */
import { LatencyHistogram } from "./histogram.js";

/** How a message that the driver did not deliver failed. */
export type FailureKind = "timeout" | "error";

/** One second of the run, as the chart draws it. */
export interface SecondPoint {
  /** Seconds since the start of the run (0, 1, 2 …). */
  second: number;
  /** Messages completed in that second: replies (calls), sends the driver accepted (casts, notifications). */
  completed: number;
  /** `completed` per second of the time the second covers (the last second of a run is partial). */
  msgsPerSec: number;
  /** Replies' latency in that second, ms; absent without replies. */
  p50Ms?: number;
  p99Ms?: number;
}

interface Bucket {
  completed: number;
  latency: LatencyHistogram;
}

export interface LatencySummary {
  minMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** `message` with message ids (UUIDs, hex prefixes with their counter) replaced by "…", so that one kind of failure is one sample. */
export function withoutIds(message: string): string {
  // A UUID (notifications), or a message id: a 64-bit hex prefix and a base-36 counter after a dot.
  return message.replace(
    /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{16,}(\.[0-9a-z]+)?\b/gi,
    "…",
  );
}

/** Counts while the client runs. */
export class RunRecorder {
  sent = 0;
  completed = 0;
  completedBytes = 0;
  timeouts = 0;
  errors = 0;
  /** The first few distinct error messages, for the report. */
  readonly errorSamples: string[] = [];
  readonly latency = new LatencyHistogram();
  private readonly buckets: Bucket[] = [];
  private lastMs: number;

  constructor(readonly startMs: number) {
    this.lastMs = startMs;
  }

  private bucket(nowMs: number): Bucket {
    const i = Math.max(0, Math.floor((nowMs - this.startMs) / 1000));
    while (this.buckets.length <= i) this.buckets.push({ completed: 0, latency: new LatencyHistogram() });
    return this.buckets[i]!;
  }

  /** A message handed to the driver. */
  onSent(): void {
    this.sent++;
  }

  /** A message completed at `nowMs`: its reply arrived (with `latencyMs`) or the driver accepted the cast. */
  onCompleted(nowMs: number, bytes: number, latencyMs?: number): void {
    this.completed++;
    this.completedBytes += bytes;
    const b = this.bucket(nowMs);
    b.completed++;
    if (latencyMs !== undefined) {
      this.latency.record(latencyMs);
      b.latency.record(latencyMs);
    }
    this.lastMs = Math.max(this.lastMs, nowMs);
  }

  /** A message failed at `nowMs`. */
  onFailed(nowMs: number, kind: FailureKind, message?: string): void {
    if (kind === "timeout") this.timeouts++;
    else this.errors++;
    const sample = message === undefined ? undefined : withoutIds(message);
    if (sample !== undefined && this.errorSamples.length < 5 && !this.errorSamples.includes(sample))
      this.errorSamples.push(sample);
    this.bucket(nowMs);
    this.lastMs = Math.max(this.lastMs, nowMs);
  }

  /** Time from the start to the last completion or failure, ms. */
  get elapsedMs(): number {
    return this.lastMs - this.startMs;
  }

  /** The per-second series (every second from the start to the last event, empty ones included). */
  series(): SecondPoint[] {
    return this.buckets.map((b, second) => {
      const p50 = b.latency.percentile(0.5);
      const p99 = b.latency.percentile(0.99);
      const spanMs = Math.min(1000, Math.max(1, this.elapsedMs - second * 1000));
      return {
        second,
        completed: b.completed,
        msgsPerSec: (b.completed * 1000) / spanMs,
        ...(p50 !== undefined ? { p50Ms: p50 } : {}),
        ...(p99 !== undefined ? { p99Ms: p99 } : {}),
      };
    });
  }

  latencySummary(): LatencySummary | null {
    const h = this.latency;
    if (h.count === 0) return null;
    return { minMs: h.minMs!, p50Ms: h.percentile(0.5)!, p99Ms: h.percentile(0.99)!, maxMs: h.maxMs! };
  }
}

/** What the servers said they received for this run (absent for calls, where replies count). */
export interface ServerCount {
  server: string;
  received: number;
}

export interface LoadReport {
  mode: string;
  /** The transport URL with its password masked. */
  url: string;
  /** The options of the run, as given or defaulted. */
  params: Record<string, string | number | boolean>;
  durationMs: number;
  /** Messages (copies, for fanout and notifications) the servers should have received. */
  sent: number;
  /** Replies (calls) or what the servers counted for this run (casts, notifications). */
  received: number;
  /** sent - received, never negative. */
  lost: number;
  /** Where the lost messages went: timeouts and errors the driver reported, and the rest (sent fine, never counted by a server). */
  lostBreakdown: { timeouts: number; errors: number; unaccounted: number };
  /** Completed messages per second over the duration. */
  msgsPerSec: number;
  /** Payload bytes of the completed messages per second. */
  bytesPerSec: number;
  /** Call latency; null for casts and notifications. */
  latencyMs: LatencySummary | null;
  /** Per-server counts (casts, notifications), when asked. */
  servers?: ServerCount[];
  errorSamples: string[];
  series: SecondPoint[];
}

/**
 * The report of a run. `expected` is how many messages the servers should have received
 * (default `rec.sent`; a fanout cast counts once per server); `received` is the replies
 * (calls, default `rec.completed`) or the servers' count.
 */
export function buildReport(
  rec: RunRecorder,
  head: { mode: string; url: string; params: Record<string, string | number | boolean> },
  counts: { expected?: number; received?: number; servers?: ServerCount[] } = {},
): LoadReport {
  const sent = counts.expected ?? rec.sent;
  const received = counts.received ?? rec.completed;
  const lost = Math.max(0, sent - received);
  const failed = rec.timeouts + rec.errors;
  const seconds = rec.elapsedMs / 1000;
  const perSec = (n: number): number => (seconds > 0 ? n / seconds : 0);
  return {
    ...head,
    durationMs: rec.elapsedMs,
    sent,
    received,
    lost,
    lostBreakdown: { timeouts: rec.timeouts, errors: rec.errors, unaccounted: Math.max(0, lost - failed) },
    msgsPerSec: perSec(rec.completed),
    bytesPerSec: perSec(rec.completedBytes),
    latencyMs: rec.latencySummary(),
    ...(counts.servers !== undefined ? { servers: counts.servers } : {}),
    errorSamples: [...rec.errorSamples],
    series: rec.series(),
  };
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The report as the lines a person reads. */
export function formatReport(r: LoadReport): string {
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const lines = [
    `load ${r.mode} ${r.url} ${params}`,
    `  duration  ${fmt(r.durationMs / 1000, 2)} s`,
    `  sent      ${fmt(r.sent)}`,
    `  received  ${fmt(r.received)}`,
    `  lost      ${fmt(r.lost)} (timeouts ${fmt(r.lostBreakdown.timeouts)}, errors ${fmt(r.lostBreakdown.errors)}, unaccounted ${fmt(r.lostBreakdown.unaccounted)})`,
    `  msgs/s    ${fmt(r.msgsPerSec)}`,
    `  bytes/s   ${fmt(r.bytesPerSec)} (${fmt(r.bytesPerSec / 1048576, 2)} MiB/s, payload)`,
  ];
  const l = r.latencyMs;
  if (l)
    lines.push(
      `  latency   min ${fmt(l.minMs, 3)} ms  p50 ${fmt(l.p50Ms, 3)} ms  p99 ${fmt(l.p99Ms, 3)} ms  max ${fmt(l.maxMs, 3)} ms`,
    );
  for (const s of r.servers ?? []) lines.push(`  server    ${s.server} received ${fmt(s.received)}`);
  for (const e of r.errorSamples) lines.push(`  error     ${e}`);
  return `${lines.join("\n")}\n`;
}
