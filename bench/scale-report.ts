/**
 * The figures of a scale benchmark run (bench/scale.ts) per routing mode, how they are made
 * from a /proc snapshot and the clients' latencies, and the table that shows the modes side
 * by side. Pure: no I/O.
 */
import { LatencyHistogram } from "../src/load/histogram.js";
import type { ScaleMode } from "./scale-cli.js";
import type { Role } from "./scale-children.js";
import type { Snapshot } from "./scale-procfs.js";

export type Owner = Role | "redis";

/** Mean and maximum over the processes of one role. */
export interface PerProcess {
  processes: number;
  fdsMean: number;
  fdsMax: number;
  tcpEndsMean: number;
  rssMiBMean: number;
}

export interface CountFigures {
  /** Established TCP connections with an end in the run's processes. */
  connections: number;
  /** Of those, the ones to Redis (the matchmaker). */
  redisConnections: number;
  fdsTotal: number;
  rssMiBTotal: number;
  byRole: Partial<Record<Owner, PerProcess>>;
}

export interface LoopFigures {
  ok: number;
  failed: number;
  wallMs: number;
  callsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** CPU the processes used while nothing was sent: percent of one core, all together and per role. */
export interface IdleCpu {
  windowMs: number;
  percent: number;
  byRole: Partial<Record<Owner, number>>;
}

export interface ModeResult {
  mode: ScaleMode;
  /** After every client called every server once. */
  warm: CountFigures & { ok: number; failed: number; wallMs: number };
  /** Between the count after the warm-up and the loop. */
  idle: IdleCpu;
  /** After the loop of calls, before the clients exit. */
  loaded: CountFigures;
  loop: LoopFigures;
  /** The same loop again, by one client while the others sit idle. */
  solo: LoopFigures;
  /** What the proxies counted, summed over them (from the line each prints when it stops); null in direct mode. */
  proxyCounters: ProxyCounters | null;
  errorSamples: string[];
}

/** A proxy's counters (src/driver/proxy-shell.ts ProxyShellStats), summed over the proxies of a run. */
export interface ProxyCounters {
  /** Proxies whose "stopped" line was found. */
  reported: number;
  routed: number;
  back: number;
  dropped: Record<string, number>;
  sendFailures: number;
}

/** Sums the counters of each proxy's "proxy stopped {json}" line, found in its output. */
export function proxyCounters(outputs: readonly string[]): ProxyCounters {
  const sum: ProxyCounters = { reported: 0, routed: 0, back: 0, dropped: {}, sendFailures: 0 };
  for (const out of outputs) {
    const m = /^proxy stopped (\{.*\})$/m.exec(out);
    if (!m) continue;
    const s = JSON.parse(m[1]!) as {
      routed?: number;
      back?: number;
      dropped?: Record<string, number>;
      sendFailures?: number;
    };
    sum.reported++;
    sum.routed += s.routed ?? 0;
    sum.back += s.back ?? 0;
    sum.sendFailures += s.sendFailures ?? 0;
    for (const [k, v] of Object.entries(s.dropped ?? {})) sum.dropped[k] = (sum.dropped[k] ?? 0) + v;
  }
  return sum;
}

const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** The figures of one snapshot; `owners` says each pid's role. */
export function countFigures(snap: Snapshot, owners: ReadonlyMap<number, Owner>): CountFigures {
  const byRole: Partial<Record<Owner, PerProcess>> = {};
  const groups = new Map<Owner, { fds: number[]; rss: number[] }>();
  let fdsTotal = 0;
  let rssTotal = 0;
  for (const [pid, p] of snap.processes) {
    const role = owners.get(pid);
    if (role === undefined) continue;
    fdsTotal += p.fds;
    rssTotal += p.rssBytes;
    const g = groups.get(role) ?? { fds: [], rss: [] };
    g.fds.push(p.fds);
    g.rss.push(p.rssBytes);
    groups.set(role, g);
  }
  for (const [role, g] of groups) {
    const n = g.fds.length;
    byRole[role] = {
      processes: n,
      fdsMean: round1(g.fds.reduce((a, b) => a + b, 0) / n),
      fdsMax: Math.max(...g.fds),
      tcpEndsMean: round1((snap.connections.endsByOwner.get(role) ?? 0) / n),
      rssMiBMean: mib(g.rss.reduce((a, b) => a + b, 0) / n),
    };
  }
  return {
    connections: snap.connections.total,
    redisConnections: snap.connections.toSpecialPort,
    fdsTotal,
    rssMiBTotal: mib(rssTotal),
    byRole,
  };
}

/** The CPU used between two samples (CPU ms per role) `windowMs` apart, in percent of one core. */
export function idleCpu(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  windowMs: number,
): IdleCpu {
  const pct = (ms: number): number => Math.round((ms / windowMs) * 1000) / 10;
  const byRole: Partial<Record<Owner, number>> = {};
  let total = 0;
  for (const [role, ms] of after) {
    const used = ms - (before.get(role) ?? 0);
    byRole[role as Owner] = pct(used);
    total += used;
  }
  return { windowMs: Math.round(windowMs), percent: pct(total), byRole };
}

/** The loop's figures from every client's latencies (µs), failures and the loop's wall time. */
export function loopFigures(latenciesUs: readonly number[], failed: number, wallMs: number): LoopFigures {
  const h = new LatencyHistogram();
  for (const us of latenciesUs) h.record(us / 1000);
  const r3 = (x: number | undefined): number | null => (x === undefined ? null : Math.round(x * 1000) / 1000);
  return {
    ok: latenciesUs.length,
    failed,
    wallMs: Math.round(wallMs),
    callsPerSec: wallMs > 0 ? Math.round((latenciesUs.length * 1000) / wallMs) : 0,
    p50Ms: r3(h.percentile(0.5)),
    p99Ms: r3(h.percentile(0.99)),
  };
}

const num = (x: number | null | undefined): string => (x === null || x === undefined ? "—" : x.toLocaleString("en-US"));

/** The rows of the table: a label and one cell per mode. */
export function tableRows(results: readonly ModeResult[]): [string, ...string[]][] {
  const role = (r: ModeResult, o: Owner, f: (p: PerProcess) => string): string => {
    const p = r.warm.byRole[o];
    return p ? f(p) : "—";
  };
  const rows: [string, (r: ModeResult) => string][] = [
    [
      "processes (clients / server procs / proxies)",
      (r) =>
        [r.warm.byRole.client, r.warm.byRole.server, r.warm.byRole.proxy].map((p) => p?.processes ?? 0).join(" / "),
    ],
    ["established TCP connections, all", (r) => num(r.warm.connections)],
    ["  of which between driver sockets", (r) => num(r.warm.connections - r.warm.redisConnections)],
    ["  of which to Redis", (r) => num(r.warm.redisConnections)],
    ["TCP ends per client process", (r) => role(r, "client", (p) => num(p.tcpEndsMean))],
    ["TCP ends per server process", (r) => role(r, "server", (p) => num(p.tcpEndsMean))],
    ["TCP ends per proxy", (r) => role(r, "proxy", (p) => num(p.tcpEndsMean))],
    ["file descriptors, all processes", (r) => num(r.warm.fdsTotal)],
    ["fds per client process (mean / max)", (r) => role(r, "client", (p) => `${num(p.fdsMean)} / ${num(p.fdsMax)}`)],
    ["fds per server process (mean / max)", (r) => role(r, "server", (p) => `${num(p.fdsMean)} / ${num(p.fdsMax)}`)],
    ["fds per proxy (mean / max)", (r) => role(r, "proxy", (p) => `${num(p.fdsMean)} / ${num(p.fdsMax)}`)],
    ["RSS all processes, MiB (after the loop)", (r) => num(r.loaded.rssMiBTotal)],
    [
      "RSS per client / server proc / proxy, MiB",
      (r) => (["client", "server", "proxy"] as const).map((o) => num(r.loaded.byRole[o]?.rssMiBMean)).join(" / "),
    ],
    ["CPU while idle, % of one core: all", (r) => num(r.idle.percent)],
    [
      "  clients / server procs / proxies / Redis",
      (r) => (["client", "server", "proxy", "redis"] as const).map((o) => num(r.idle.byRole[o])).join(" / "),
    ],
    ["warm-up calls ok / failed (each client → each server)", (r) => `${num(r.warm.ok)} / ${num(r.warm.failed)}`],
    ["warm-up wall time, s", (r) => num(round1(r.warm.wallMs / 1000))],
    ["loop calls ok / failed", (r) => `${num(r.loop.ok)} / ${num(r.loop.failed)}`],
    ["loop calls/s, all clients together", (r) => num(r.loop.callsPerSec)],
    ["loop call latency p50 / p99, ms", (r) => `${num(r.loop.p50Ms)} / ${num(r.loop.p99Ms)}`],
    ["one client alone: calls/s", (r) => num(r.solo.callsPerSec)],
    ["one client alone: p50 / p99, ms", (r) => `${num(r.solo.p50Ms)} / ${num(r.solo.p99Ms)}`],
    [
      "proxies: routed / back / dropped / send failures",
      (r) => {
        const p = r.proxyCounters;
        if (!p) return "—";
        const dropped = Object.values(p.dropped).reduce((a, b) => a + b, 0);
        return [p.routed, p.back, dropped, p.sendFailures].map(num).join(" / ");
      },
    ],
    ["established TCP connections after the loop", (r) => num(r.loaded.connections)],
  ];
  return rows.map(([label, f]) => [label, ...results.map(f)]);
}

/** The table as text, modes as columns. */
export function formatTable(results: readonly ModeResult[]): string {
  const rows: string[][] = [["", ...results.map((r) => r.mode)], ...tableRows(results)];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
    .join("\n");
}
