/**
 * Checkers of where clients send work when a server is dead or failing, from the
 * RoutingLog (sim/history/routing-log.ts): the host each client process picked for each
 * call or cast and the state its circuit breaker held that host in then, every change of
 * a breaker's state, and the client connections each fault cut (read from the simulated
 * sockets when the fault began).
 *
 * A *probe* is a pick of a host its client's breaker held half-open: the one request let
 * through after a cool-down (spec/delivery.md, "Host health"); the pick turns the host
 * `probing`. Fanout copies are never picks (fanouts ignore health), nor are resends of a
 * request to the host it was sent to (counted apart, `resendsToOpenHosts`).
 */
import { serverKey, serverOf } from "../history/exec-log.js";
import { HEALTH, HEALTH_NAMES } from "../history/routing-log.js";
import type { Checker, CheckInput } from "./index.js";

/** Extra time past interval + timeout: the FIN of the side that closed first, data in flight, timer granularity. */
function marginMs(input: CheckInput): number {
  const { options } = input.ctx;
  const f = options.faults;
  let extra = 0;
  for (const a of input.ctx.faults.applied) if (a.action.kind === "delay") extra = Math.max(extra, a.action.extraMs);
  return 5 + 20 * (f.oneWayDelayMsMin + f.oneWayDelayMsMean) + extra;
}

/** "h<host>/<incarnation>" of the server process that bound `address`, else the address. */
function serverNames(input: CheckInput): (address: string) => string {
  const names = new Map<string, string>();
  for (const h of input.cluster.hosts)
    for (const n of h.incarnations) if (n.address) names.set(n.address, `h${h.index}/${n.incarnation}`);
  return (address) => names.get(address) ?? address;
}

const client = (key: number): string => {
  const c = serverOf(key);
  return `h${c.host}/${c.incarnation}`;
};

/**
 * A dead peer leaves routing within the heartbeat bound. For every client connection a
 * fault cut when it began (a frozen server; an isolation, partition or clog between
 * client and server), with heartbeats on in that client: from `heartbeatIntervalMs +
 * heartbeatTimeoutMs + margin` after the fault began until it ended, the client picks
 * that server for no call or cast but probes. Not judged: a connection the client's pool
 * closed before the bound (the heartbeats had nothing left to watch).
 */
export const deadPeerLeavesRouting: Checker = {
  name: "dead-peer-leaves-routing",
  proves:
    "a client whose connection to a server was cut (frozen server, partition) picks it for no call or cast but probes from heartbeat interval + timeout after the cut until it heals",
  check(input: CheckInput): { cutLinks: number; heartbeatTimeouts: number } {
    const { ctx, cluster } = input;
    const { routing, faults, violations } = ctx;
    const name = serverNames(input);
    const margin = marginMs(input);
    const judged = new Map<string, { fromUs: number; toUs: number; fault: number }[]>();
    const seen = new Set<string>();
    for (const cut of routing.cutLinks) {
      const o = cluster.hosts[cut.client]!.incarnations[cut.clientIncarnation]?.transport?.options;
      if (!o || o.heartbeatIntervalMs <= 0) continue;
      const fromUs = cut.startUs + (o.heartbeatIntervalMs + o.heartbeatTimeoutMs + margin) * 1000;
      const applied = faults.applied.find((a) => a.index === cut.fault);
      const toUs = applied && Number.isFinite(applied.endUs) ? applied.endUs : input.healUs;
      if (toUs <= fromUs || cut.socket.closedUs < fromUs) continue;
      const key = `${serverKey(cut.client, cut.clientIncarnation)}|${cut.address}`;
      if (seen.has(`${cut.fault}|${key}`)) continue;
      seen.add(`${cut.fault}|${key}`);
      const list = judged.get(key) ?? [];
      list.push({ fromUs, toUs, fault: cut.fault });
      judged.set(key, list);
    }
    if (judged.size > 0)
      for (const row of routing.entries()) {
        if (row.type !== "pick" || row.state === HEALTH["half-open"]) continue;
        for (const w of judged.get(`${row.client}|${row.address}`) ?? []) {
          if (row.atUs <= w.fromUs || row.atUs >= w.toUs) continue;
          violations.add({
            checker: this.name,
            message: `${client(row.client)} picked ${name(row.address)} (breaker ${HEALTH_NAMES[row.state]}) ${((row.atUs - w.fromUs) / 1000).toFixed(3)} ms past the heartbeat bound of fault #${w.fault}, which cut them apart`,
            atUs: row.atUs,
          });
        }
      }
    return { cutLinks: routing.cutLinks.length, heartbeatTimeouts: ctx.net.heartbeats.timeouts };
  },
};

/**
 * No traffic to an open host but one probe per cool-down. While a client's breaker holds
 * a host open or probing, the client picks it for no call or cast; while it holds it
 * half-open, for one (the probe, which turns it probing). Judged from the breaker states
 * the client's own health recorded at each pick: a driver that picks around its breaker,
 * or a breaker that lets a second probe through, shows.
 */
export const breakerOpenNoTraffic: Checker = {
  name: "breaker-open-no-traffic",
  proves:
    "while a client's breaker holds a host open or probing the client picks it for no call or cast, and half-open for one probe per cool-down",
  check(input: CheckInput): { breakerTrips: number; probes: number; resendsToOpenHosts: number } {
    const { routing, violations } = input.ctx;
    const name = serverNames(input);
    const probesSince = new Map<string, number>();
    let trips = 0;
    let probes = 0;
    for (const row of routing.entries()) {
      const key = `${row.client}|${row.address}`;
      if (row.type === "transition") {
        if (row.to === HEALTH.open) trips++;
        if (row.to === HEALTH["half-open"]) probesSince.set(key, 0);
        continue;
      }
      if (row.state === HEALTH.closed) continue;
      if (row.state === HEALTH["half-open"]) {
        probes++;
        const n = (probesSince.get(key) ?? 0) + 1;
        probesSince.set(key, n);
        if (n === 1) continue;
      }
      violations.add({
        checker: this.name,
        message:
          row.state === HEALTH["half-open"]
            ? `${client(row.client)} sent ${name(row.address)} a second probe in one cool-down`
            : `${client(row.client)} picked ${name(row.address)} while its breaker held it ${HEALTH_NAMES[row.state]}`,
        atUs: row.atUs,
      });
    }
    return { breakerTrips: trips, probes, resendsToOpenHosts: routing.resendsToOpenHosts };
  },
};
