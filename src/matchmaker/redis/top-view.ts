/**
 * What `npm run top` shows (spec/observability.md, "Published server stats"), computed
 * from two samples of the matchmaker's listing and the servers' published stats. Pure:
 * the caller reads Redis and the clock.
 */
import { quantileBetween } from "../../observability/latency-buckets.js";
import type { PublishedStatsEntry } from "./stats-store.js";
import type { KeyListing } from "./redis-matchmaker.js";

/** One server's published stats, as written by src/api/server-telemetry.ts. */
export interface PublishedStats {
  v: number;
  topic: string;
  exchange: string;
  server: string;
  host: string | undefined;
  handled: number;
  failed: number;
  atMs: number;
  bucketsMs: number[];
  counts: number[];
}

/** One sample: what Redis held at one moment. */
export interface TopSample {
  listing: KeyListing[];
  stats: Map<string, PublishedStats>;
}

export interface ServerRow {
  server: string;
  host: string;
  /** Time left on the registration, ms (Infinity: no TTL). */
  ttlMs: number;
  callsPerSecond: number | undefined;
  p99Ms: number | undefined;
}

export interface TopicRow {
  /** "exchange/topic", decoded. */
  topic: string;
  servers: ServerRow[];
  callsPerSecond: number | undefined;
  p99Ms: number | undefined;
}

/** Parses the published entries, skipping any that are not this format. */
export function parseStats(entries: readonly PublishedStatsEntry[]): Map<string, PublishedStats> {
  const out = new Map<string, PublishedStats>();
  for (const e of entries) {
    try {
      const s = JSON.parse(e.json) as PublishedStats;
      if (s.v === 1 && Array.isArray(s.counts) && Array.isArray(s.bucketsMs) && typeof s.handled === "number")
        out.set(e.name, s);
    } catch {
      /* not ours */
    }
  }
  return out;
}

/** Calls per second between two samples of one server; undefined without both or without time between. */
function rate(a: PublishedStats | undefined, b: PublishedStats | undefined): number | undefined {
  if (a === undefined || b === undefined || b.atMs <= a.atMs) return undefined;
  return (Math.max(0, b.handled - a.handled) * 1000) / (b.atMs - a.atMs);
}

/** The topics of `now` with their servers; rates and p99 from the difference to `before`. */
export function topRows(before: TopSample | undefined, now: TopSample): TopicRow[] {
  const rows: TopicRow[] = [];
  const keys = now.listing.map((l) => l.key);
  // Topic keys are "exchange/topic"; server keys add "/server".
  for (const l of now.listing) {
    if (l.key.split("/").length !== 2) continue;
    const servers: ServerRow[] = [];
    let total: number | undefined;
    let mergedBefore: number[] | undefined;
    let mergedNow: number[] | undefined;
    let bounds: number[] | undefined;
    for (const h of l.hosts) {
      const serverKey = keys.find(
        (k) => k.startsWith(`${l.key}/`) && now.listing.find((x) => x.key === k)?.hosts.some((x) => x.host === h.host),
      );
      const name = serverKey === undefined ? "?" : decodeURIComponent(serverKey.slice(l.key.length + 1));
      const b = serverKey === undefined ? undefined : before?.stats.get(serverKey);
      const n = serverKey === undefined ? undefined : now.stats.get(serverKey);
      const r = rate(b, n);
      if (r !== undefined) total = (total ?? 0) + r;
      let p99: number | undefined;
      if (n !== undefined && b !== undefined && b.atMs < n.atMs) {
        p99 = quantileBetween(b.counts, n.counts, 0.99, n.bucketsMs);
        bounds = n.bucketsMs;
        mergedBefore = add(mergedBefore, b.counts);
        mergedNow = add(mergedNow, n.counts);
      }
      servers.push({ server: name, host: h.host, ttlMs: h.remainingMs, callsPerSecond: r, p99Ms: p99 });
    }
    servers.sort((a, b) => a.server.localeCompare(b.server));
    rows.push({
      topic: decodeURIComponent(l.key),
      servers,
      callsPerSecond: total,
      p99Ms: mergedNow === undefined ? undefined : quantileBetween(mergedBefore, mergedNow, 0.99, bounds),
    });
  }
  return rows.sort((a, b) => a.topic.localeCompare(b.topic));
}

function add(sum: number[] | undefined, counts: readonly number[]): number[] {
  const out = sum ?? new Array<number>(counts.length).fill(0);
  counts.forEach((n, i) => {
    out[i] = (out[i] ?? 0) + n;
  });
  return out;
}

const num = (v: number | undefined, digits: number): string => (v === undefined ? "-" : v.toFixed(digits));
const ms = (v: number | undefined): string =>
  v === undefined ? "-" : v === Number.POSITIVE_INFINITY ? "> max" : `<= ${v} ms`;
const ttl = (v: number): string => (v === Number.POSITIVE_INFINITY ? "no ttl" : `${(v / 1000).toFixed(1)} s`);

/** The screen: a header line, then per topic its totals and one line per server. */
export function formatTop(rows: readonly TopicRow[], header: string): string {
  const lines = [header, ""];
  if (rows.length === 0) lines.push("(no live registrations)");
  for (const t of rows) {
    lines.push(`${t.topic}  servers ${t.servers.length}  calls/s ${num(t.callsPerSecond, 1)}  p99 ${ms(t.p99Ms)}`);
    for (const s of t.servers)
      lines.push(
        `  ${s.server.padEnd(16)} ${s.host.padEnd(26)} ttl ${ttl(s.ttlMs).padEnd(7)} calls/s ${num(s.callsPerSecond, 1).padStart(7)}  p99 ${ms(s.p99Ms)}`,
      );
  }
  return lines.join("\n");
}
