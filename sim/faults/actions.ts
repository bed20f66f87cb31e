/**
 * One fault occurrence with its time and duration: the unit of fault schedules, shared by
 * the planner (random, from FaultOptions), named scenarios (written by hand), fast-check
 * (generated and shrunk) and the report's fault timeline. Times are virtual ms since the
 * start of the run. Hosts are indexes (h0, h1, ...).
 *
 * `drop` and `crashAfter` single out messages by kind (sim/net/message-faults.ts): a
 * drop loses every `message` from host `from` (to host `to`, or to any host when `to` is
 * null) while it lasts; a crashAfter is armed at `atMs` and crashes `host` in the instant
 * the first `message` it sends after that reaches its peer (host `to`, or any when null;
 * it lasts from arming until the restart, `restartAfterMs` after the crash, or until the
 * faults heal when null).
 *
 * `freeze` stops a host's whole process (SIGSTOP): paused like `pause`, and its libzmq I/O
 * thread too, so its peers miss its heartbeats. `heartbeatLoss` loses the ZMTP PINGs and
 * PONGs written from `from` to `to` while data passes; `delay` adds `extraMs` to every
 * message written from `from` to `to` (sim/net/heartbeats.ts, sim/net/link-faults.ts).
 *
 * The proxy faults (proxy routing mode, `cluster.proxies` > 0) name a proxy p0, p1, … by
 * number: `proxyCrash` kills it (a new incarnation on a new port after `restartAfterMs`),
 * `proxyPartition` cuts it off from the driver hosts listed (all of them when the list is
 * empty), `proxySlow` adds `extraMs` to every message to and from it.
 */
import type { WireKind } from "../net/message-faults.js";

export type FaultAction =
  | { kind: "partition"; atMs: number; forMs: number; hosts: number[]; symmetric: boolean }
  | { kind: "isolate"; atMs: number; forMs: number; host: number; direction: "in" | "out" | "both" }
  | { kind: "clog"; atMs: number; forMs: number; from: number; to: number }
  | { kind: "crash"; atMs: number; host: number; restartAfterMs: number | null }
  | { kind: "restart"; atMs: number; host: number }
  | { kind: "pause"; atMs: number; forMs: number; host: number }
  | { kind: "slow"; atMs: number; forMs: number; host: number; serviceMs: number }
  | { kind: "hang"; atMs: number; forMs: number; host: number }
  | { kind: "redis"; atMs: number; forMs: number }
  | { kind: "duplicate"; atMs: number; forMs: number; from: number; to: number }
  | { kind: "drop"; atMs: number; forMs: number; from: number; to: number | null; message: WireKind }
  | {
      kind: "crashAfter";
      atMs: number;
      host: number;
      message: WireKind;
      /** Only a message to this host triggers it (null: to any host, itself included). */
      to: number | null;
      restartAfterMs: number | null;
    }
  | { kind: "freeze"; atMs: number; forMs: number; host: number }
  | { kind: "heartbeatLoss"; atMs: number; forMs: number; from: number; to: number }
  | { kind: "delay"; atMs: number; forMs: number; from: number; to: number; extraMs: number }
  | { kind: "proxyCrash"; atMs: number; proxy: number; restartAfterMs: number | null }
  | {
      kind: "proxyPartition";
      atMs: number;
      forMs: number;
      proxy: number;
      /** Driver hosts cut off from the proxy (both ways); empty: the proxy is isolated from every host. */
      hosts: number[];
    }
  | { kind: "proxySlow"; atMs: number; forMs: number; proxy: number; extraMs: number };

export type FaultKind = FaultAction["kind"];

export const FAULT_KINDS: readonly FaultKind[] = [
  "partition",
  "isolate",
  "clog",
  "crash",
  "restart",
  "pause",
  "slow",
  "hang",
  "redis",
  "duplicate",
  "drop",
  "crashAfter",
  "freeze",
  "heartbeatLoss",
  "delay",
  "proxyCrash",
  "proxyPartition",
  "proxySlow",
];

/**
 * How long the fault lasts (a crash lasts until its restart; null: until the faults heal,
 * or, for a crashAfter, until the restart its crash schedules; a graceful restart is instant).
 */
export function faultDurationMs(a: FaultAction): number | null {
  if (a.kind === "crash" || a.kind === "proxyCrash") return a.restartAfterMs;
  if (a.kind === "crashAfter") return null;
  if (a.kind === "restart") return 0;
  return a.forMs;
}

/** The driver hosts a fault touches (for the timeline and for scenario validation); a proxy fault names its proxy in `proxy`. */
export function faultHosts(a: FaultAction): number[] {
  switch (a.kind) {
    case "partition":
      return a.hosts;
    case "clog":
    case "duplicate":
    case "heartbeatLoss":
    case "delay":
      return [a.from, a.to];
    case "drop":
      return a.to === null ? [a.from] : [a.from, a.to];
    case "crashAfter":
      return a.to === null ? [a.host] : [a.host, a.to];
    case "redis":
    case "proxyCrash":
    case "proxySlow":
      return [];
    case "proxyPartition":
      return a.hosts;
    default:
      return [a.host];
  }
}

const ms = (n: number): string => `${Math.round(n * 1000) / 1000}`;

/** The action in the scenario DSL (sim/scenarios/dsl.ts), so a shrunk schedule can be pasted as a scenario. */
export function describeFault(a: FaultAction): string {
  const at = `.at(${ms(a.atMs)})`;
  switch (a.kind) {
    case "partition":
      return `${at}.partition([${a.hosts.join(", ")}], { forMs: ${ms(a.forMs)}, symmetric: ${a.symmetric} })`;
    case "isolate":
      return `${at}.isolate(${a.host}, { forMs: ${ms(a.forMs)}, direction: "${a.direction}" })`;
    case "clog":
      return `${at}.clog(${a.from}, ${a.to}, { forMs: ${ms(a.forMs)} })`;
    case "crash":
      return `${at}.crash(${a.host}, { restartAfterMs: ${a.restartAfterMs === null ? "null" : ms(a.restartAfterMs)} })`;
    case "restart":
      return `${at}.restart(${a.host})`;
    case "pause":
      return `${at}.pause(${a.host}, { forMs: ${ms(a.forMs)} })`;
    case "slow":
      return `${at}.slow(${a.host}, { forMs: ${ms(a.forMs)}, serviceMs: ${ms(a.serviceMs)} })`;
    case "hang":
      return `${at}.hang(${a.host}, { forMs: ${ms(a.forMs)} })`;
    case "redis":
      return `${at}.redisOutage({ forMs: ${ms(a.forMs)} })`;
    case "duplicate":
      return `${at}.duplicate(${a.from}, ${a.to}, { forMs: ${ms(a.forMs)} })`;
    case "drop":
      return `${at}.drop("${a.message}", { from: ${a.from}, ${a.to === null ? "" : `to: ${a.to}, `}forMs: ${ms(a.forMs)} })`;
    case "freeze":
      return `${at}.freeze(${a.host}, { forMs: ${ms(a.forMs)} })`;
    case "heartbeatLoss":
      return `${at}.heartbeatLoss(${a.from}, ${a.to}, { forMs: ${ms(a.forMs)} })`;
    case "delay":
      return `${at}.delay(${a.from}, ${a.to}, { forMs: ${ms(a.forMs)}, extraMs: ${ms(a.extraMs)} })`;
    case "proxyCrash":
      return `${at}.proxyCrash(${a.proxy}, { restartAfterMs: ${a.restartAfterMs === null ? "null" : ms(a.restartAfterMs)} })`;
    case "proxyPartition":
      return `${at}.proxyPartition(${a.proxy}, [${a.hosts.join(", ")}], { forMs: ${ms(a.forMs)} })`;
    case "proxySlow":
      return `${at}.proxySlow(${a.proxy}, { forMs: ${ms(a.forMs)}, extraMs: ${ms(a.extraMs)} })`;
    case "crashAfter":
      return `${at}.crashAfter(${a.host}, "${a.message}", { ${a.to === null ? "" : `to: ${a.to}, `}restartAfterMs: ${a.restartAfterMs === null ? "null" : ms(a.restartAfterMs)} })`;
  }
}
