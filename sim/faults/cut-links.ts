/**
 * Which client-to-server connections a fault cuts, as they stand when it begins: for a
 * frozen host, every connection to its server; for an isolated host, every connection to
 * or from it; for a partition, every connection across it (either direction blocked is
 * enough: the side that stops hearing closes it, and its FIN reaches the other, or the
 * other stops hearing too); for a clog, the connections between its two hosts. Read from
 * the simulated sockets (each server's ROUTER and the DEALERs connected to it), recorded
 * in the RoutingLog for the dead-peer-leaves-routing checker (sim/checkers/routing.ts).
 */
import { parseHostEntry } from "../../src/core/host-entry.js";
import type { Cluster } from "../cluster/cluster.js";
import type { SimContext } from "../context.js";
import type { CutLink } from "../history/routing-log.js";
import type { HostProcess } from "../host-process.js";
import type { FaultAction } from "./actions.js";

/** Whether `action` cuts a connection between client host `c` and server host `s`, or undefined when it cuts none. */
function cutter(action: FaultAction): ((c: number, s: number) => boolean) | undefined {
  switch (action.kind) {
    case "freeze":
      return (_c, s) => s === action.host;
    case "isolate":
      return (c, s) => c === action.host || s === action.host;
    case "partition": {
      const side = new Set(action.hosts);
      return (c, s) => side.has(c) !== side.has(s);
    }
    case "clog":
      return (c, s) => (c === action.from && s === action.to) || (c === action.to && s === action.from);
    default:
      return undefined;
  }
}

/** Records the connections fault `index` cuts as it begins. */
export function recordCutLinks(ctx: SimContext, cluster: Cluster, index: number, action: FaultAction): void {
  const cuts = cutter(action);
  if (!cuts) return;
  const startUs = ctx.scheduler.nowUs;
  for (const h of cluster.hosts) {
    const address = h.up ? h.node.address : undefined;
    // The entry may carry attributes after the endpoint (#curve=, #wire=: src/core/host-entry.ts).
    const router = address === undefined ? undefined : ctx.net.endpoints.get(parseHostEntry(address).address);
    if (!router || router.closed) continue;
    for (const socket of router.connectedPeers()) {
      const client = socket.host;
      if (client === h.index || !cuts(client, h.index)) continue;
      const link: CutLink = {
        fault: index,
        startUs,
        server: h.index,
        serverIncarnation: h.node.incarnation,
        address: address!,
        client,
        clientIncarnation: (socket.proc as HostProcess).incarnation,
        socket,
      };
      ctx.routing.cutLinks.push(link);
    }
  }
}
