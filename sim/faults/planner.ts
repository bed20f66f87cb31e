/**
 * Turns FaultOptions into a concrete, sorted schedule for one run: for each kind, Poisson
 * arrivals at the kind's rate over the safety window, each with an exponentially
 * distributed duration and uniformly chosen hosts. Drawn from the "faults" stream of the
 * seed, so the schedule depends on the seed and the options only.
 */
import type { Prng } from "../prng.js";
import type { FaultAction } from "./actions.js";
import type { FaultOptions } from "./options.js";

export interface PlanWindow {
  fromMs: number;
  toMs: number;
  hosts: number;
  /** Hosts that run a server (slow and hung handlers only make sense there). */
  servers: readonly number[];
  /** Proxy hosts (proxy mode); 0 or absent: no proxy fault is drawn. */
  proxies?: number;
}

const dur = (rng: Prng, meanMs: number): number => Math.max(1, Math.round(rng.exponential(meanMs) * 1000) / 1000);

function arrivals(rng: Prng, perSec: number, w: PlanWindow): number[] {
  const out: number[] = [];
  if (perSec <= 0 || w.toMs <= w.fromMs) return out;
  for (let t = w.fromMs + rng.exponential(1000 / perSec); t < w.toMs; t += rng.exponential(1000 / perSec)) {
    out.push(Math.round(t * 1000) / 1000);
  }
  return out;
}

function symmetric(rng: Prng, o: FaultOptions): boolean {
  return o.partitionSymmetry === "symmetric" || (o.partitionSymmetry === "mixed" && rng.bernoulli(0.5));
}

function partition(rng: Prng, o: FaultOptions, w: PlanWindow, atMs: number): FaultAction {
  const forMs = dur(rng, o.partitionMsMean);
  if (o.partitionMode === "isolate_single" || w.hosts < 3) {
    const sym = symmetric(rng, o);
    return {
      kind: "isolate",
      atMs,
      forMs,
      host: rng.int(w.hosts),
      direction: sym ? "both" : rng.bernoulli(0.5) ? "in" : "out",
    };
  }
  let hosts: number[];
  if (o.partitionMode === "uniform_size") {
    const k = rng.range(1, w.hosts - 1);
    hosts = rng
      .shuffled([...Array(w.hosts).keys()])
      .slice(0, k)
      .sort((a, b) => a - b);
  } else {
    hosts = [...Array(w.hosts).keys()].filter(() => rng.bernoulli(0.5));
    if (hosts.length === 0 || hosts.length === w.hosts) hosts = [rng.int(w.hosts)];
  }
  return { kind: "partition", atMs, forMs, hosts, symmetric: symmetric(rng, o) };
}

/** Two distinct hosts, a directed link. */
function pair(rng: Prng, hosts: number): [number, number] {
  const from = rng.int(hosts);
  return [from, (from + 1 + rng.int(hosts - 1)) % hosts];
}

export function planFaults(o: FaultOptions, w: PlanWindow, rng: Prng): FaultAction[] {
  const out: FaultAction[] = [];
  const anyServer = (): number => (w.servers.length > 0 ? rng.pick(w.servers) : rng.int(w.hosts));
  for (const atMs of arrivals(rng, o.partitionsPerSec, w)) out.push(partition(rng, o, w, atMs));
  if (w.hosts >= 2) {
    for (const atMs of arrivals(rng, o.clogsPerSec, w)) {
      const from = rng.int(w.hosts);
      const to = (from + 1 + rng.int(w.hosts - 1)) % w.hosts;
      out.push({ kind: "clog", atMs, forMs: dur(rng, o.clogMsMean), from, to });
    }
  }
  for (const atMs of arrivals(rng, o.crashesPerSec, w)) {
    out.push({
      kind: "crash",
      atMs,
      host: rng.int(w.hosts),
      restartAfterMs: o.restartMsMean > 0 ? dur(rng, o.restartMsMean) : null,
    });
  }
  for (const atMs of arrivals(rng, o.restartsPerSec, w)) out.push({ kind: "restart", atMs, host: rng.int(w.hosts) });
  for (const atMs of arrivals(rng, o.pausesPerSec, w))
    out.push({ kind: "pause", atMs, forMs: dur(rng, o.pauseMsMean), host: rng.int(w.hosts) });
  for (const atMs of arrivals(rng, o.slowPerSec, w)) {
    out.push({
      kind: "slow",
      atMs,
      forMs: dur(rng, o.slowMsMean),
      host: anyServer(),
      serviceMs: Math.max(0.001, Math.round(o.slowServiceMsMean * 1000) / 1000),
    });
  }
  for (const atMs of arrivals(rng, o.hangsPerSec, w))
    out.push({ kind: "hang", atMs, forMs: dur(rng, o.hangMsMean), host: anyServer() });
  for (const atMs of arrivals(rng, o.redisOutagesPerSec, w))
    out.push({ kind: "redis", atMs, forMs: dur(rng, o.redisOutageMsMean) });
  // Drawn last, so that enabling duplicates leaves the rest of a seed's schedule as it was.
  if (w.hosts >= 2) {
    for (const atMs of arrivals(rng, o.duplicatesPerSec, w)) {
      const from = rng.int(w.hosts);
      const to = (from + 1 + rng.int(w.hosts - 1)) % w.hosts;
      out.push({ kind: "duplicate", atMs, forMs: dur(rng, o.duplicateMsMean), from, to });
    }
  }
  // The faults of liveness on real networks, drawn after all the others for the same reason.
  for (const atMs of arrivals(rng, o.freezesPerSec, w))
    out.push({ kind: "freeze", atMs, forMs: dur(rng, o.freezeMsMean), host: rng.int(w.hosts) });
  if (w.hosts >= 2) {
    for (const atMs of arrivals(rng, o.heartbeatLossPerSec, w)) {
      const [from, to] = pair(rng, w.hosts);
      out.push({ kind: "heartbeatLoss", atMs, forMs: dur(rng, o.heartbeatLossMsMean), from, to });
    }
    for (const atMs of arrivals(rng, o.delaysPerSec, w)) {
      const [from, to] = pair(rng, w.hosts);
      const forMs = dur(rng, o.delayMsMean);
      out.push({ kind: "delay", atMs, forMs, from, to, extraMs: dur(rng, o.delayExtraMsMean) });
    }
  }
  // Proxy faults, drawn last and only in proxy mode, so that direct-mode schedules stay as they were.
  const proxies = w.proxies ?? 0;
  if (proxies > 0) {
    for (const atMs of arrivals(rng, o.proxyCrashesPerSec, w)) {
      const restartAfterMs = o.restartMsMean > 0 ? dur(rng, o.restartMsMean) : null;
      out.push({ kind: "proxyCrash", atMs, proxy: rng.int(proxies), restartAfterMs });
    }
    for (const atMs of arrivals(rng, o.proxyPartitionsPerSec, w)) {
      const forMs = dur(rng, o.proxyPartitionMsMean);
      const proxy = rng.int(proxies);
      const hosts = rng.bernoulli(0.5) ? [] : [...Array(w.hosts).keys()].filter(() => rng.bernoulli(0.5));
      out.push({ kind: "proxyPartition", atMs, forMs, proxy, hosts });
    }
    for (const atMs of arrivals(rng, o.proxySlowPerSec, w)) {
      const forMs = dur(rng, o.proxySlowMsMean);
      out.push({ kind: "proxySlow", atMs, forMs, proxy: rng.int(proxies), extraMs: dur(rng, o.proxySlowExtraMsMean) });
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}
