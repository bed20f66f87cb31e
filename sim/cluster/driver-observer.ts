/**
 * Records a client's routing decisions and circuit-breaker states into the RoutingLog
 * (sim/history/routing-log.ts) by wrapping, on one transport instance, the delivery
 * core's balancer (`pick`: the host a call or cast goes to), its host health (every
 * method that may change a host's state) and the shell's `send` effect (to count resends
 * to open hosts). Nothing in src/ changes: the wrappers call the originals and only look
 * at what they return and at `HostHealth.stateOf`, as planted bugs do (sim/planted-bugs.ts,
 * whose wrappers this one wraps in turn, so a buggy driver is observed as it behaves).
 *
 * Cost: the common pick (no breaker record, no fault cutting a peer off) reads one map
 * size and one boolean; `ok` on every reply reads the map size twice.
 */
import { transportInternals, type Transport } from "../../src/api/transport.js";
import type { HealthState } from "../../src/core/host-health.js";
import { HEALTH, type HealthCode, type RoutingLog } from "../history/routing-log.js";

/** The slice of HostHealth (src/core/host-health.ts) the observer wraps. */
interface HealthInternals {
  filtering(): boolean;
  stateOf(host: string): HealthState;
  [method: string]: unknown;
}

interface CoreInternals {
  flows: {
    health: HealthInternals;
    balancer: { pick(key: string, hosts: readonly string[]): string };
  };
}

interface ShellInternals {
  core: CoreInternals;
  send(r: { id: string; kind: string }, host: string): void;
}

/** The HostHealth methods that may change a host's state (their first argument is the host). */
const MUTATORS = ["trip", "failed", "ok", "up", "allows", "picked"] as const;

export interface ObserveOptions {
  log: RoutingLog;
  /** The client process (serverKey of its host and incarnation). */
  client: number;
  /** Virtual time, µs. */
  nowUs: () => number;
  /** Whether a fault that can cut a peer off is in force (picks are recorded then). */
  cutting: () => boolean;
}

export function observeDriver(transport: Transport, o: ObserveOptions): void {
  const shell = (transportInternals(transport).engine as unknown as { delivery: ShellInternals }).delivery;
  const { health, balancer: routing } = shell.core.flows;
  const { log, client, nowUs, cutting } = o;
  const stateOf = (host: string): HealthCode => (health.filtering() ? HEALTH[health.stateOf(host)] : HEALTH.closed);
  /** The host just picked: the shell's next send to it is the pick's first (not a resend). */
  let lastPick: string | undefined;
  /** The probe out to each host, by request id. */
  const probes = new Map<string, string>();

  const pick = routing.pick.bind(routing);
  routing.pick = (key, hosts) => {
    const host = pick(key, hosts);
    if (health.filtering() || cutting()) log.pick(nowUs(), client, host, stateOf(host));
    lastPick = host;
    return host;
  };

  let depth = 0;
  for (const m of MUTATORS) {
    const original = (health[m] as (host: string, ...rest: unknown[]) => unknown).bind(health);
    health[m] = (host: string, ...rest: unknown[]): unknown => {
      if (depth > 0) return original(host, ...rest); // called by another of these: the outer call records
      const before = stateOf(host);
      depth++;
      let result: unknown;
      try {
        result = original(host, ...rest);
      } finally {
        depth--;
      }
      const after = stateOf(host);
      if (after !== before) {
        log.transition(nowUs(), client, host, before, after);
        if (after === HEALTH.probing) probes.set(host, rest[0] as string);
      }
      return result;
    };
  }

  const send = shell.send.bind(shell);
  shell.send = (r, host) => {
    if (r.kind !== "fanout" && host !== lastPick && health.filtering()) {
      const s = stateOf(host);
      if (s === HEALTH.open || (s === HEALTH.probing && probes.get(host) !== r.id)) log.resendsToOpenHosts++;
    }
    lastPick = undefined;
    send(r, host);
  };
}
