/**
 * One link of proxy routing mode (spec/proxy.md): a DEALER from a client or a server to one
 * proxy's frontend or backend, with the send queue every socket of the driver sends
 * through. The client's links (proxy-client-links.ts) and a listener's virtual ROUTER
 * (proxy-server-socket.ts) open theirs here, with the process's identity as routing id (a
 * proxy routes to it by name) and the settings of every outbound DEALER
 * (pool/dealer-options.ts).
 * The deps of every proxy-mode component are the ports and the resolved options.
 */
import type { ResolvedOptions } from "../options.js";
import type { Clock } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import type { Rng } from "../ports/rng.js";
import type { PortSocket, SocketFactory } from "../ports/socket.js";
import { outboundDealerOptions, type DealerTuning } from "../pool/dealer-options.js";
import { SendQueue } from "../pool/send-queue.js";

/** What the proxy, its clients' links and its servers' links are built from. */
export interface ProxyPortDeps {
  sockets: SocketFactory;
  clock: Clock;
  rng: Rng;
  matchmaker: Matchmaker;
  options: ResolvedOptions;
}

/** A link's socket and its send queue. */
export interface ProxyLinkSocket {
  socket: PortSocket;
  queue: SendQueue;
}

/** Link settings a caller may choose (a listener passes its ROUTER's); the rest come from the options. */
export type ProxyLinkTuning = DealerTuning;

/** A DEALER named `identity` with its send queue, not yet connected (the caller subscribes to its events first). */
export function openProxyLink(
  deps: Pick<ProxyPortDeps, "sockets" | "clock" | "options">,
  identity: string,
  tuning: ProxyLinkTuning = deps.options,
): ProxyLinkSocket {
  const socket = deps.sockets.dealer(outboundDealerOptions(deps.options, identity, tuning));
  return { socket, queue: new SendQueue(socket, deps.clock, deps.options.maxQueuedSends) };
}
