/**
 * One link of proxy routing mode (spec/proxy.md): a DEALER from a client or a server to one
 * proxy's frontend or backend, with the send queue every socket of the driver sends
 * through. The client's links (proxy-client-links.ts) and a listener's virtual ROUTER
 * (proxy-server-socket.ts) open theirs here, so both get the same socket settings: the
 * process's identity as routing id (a proxy routes to it by name), `immediate` (nothing is
 * queued to a proxy whose connection is not up), a short reconnect (100 ms, backing off to
 * 1 s: a restarted proxy is found again quickly), heartbeats as configured, and the
 * frame bound of every other socket (`maxFrameBytes`).
 * The deps of every proxy-mode component are the ports and the resolved options.
 */
import type { ResolvedOptions } from "../options.js";
import type { Clock } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import type { Rng } from "../ports/rng.js";
import type { PortSocket, SocketFactory, SocketOptions } from "../ports/socket.js";
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
export type ProxyLinkTuning = Pick<
  SocketOptions,
  "sendHighWaterMark" | "lingerMs" | "heartbeatIntervalMs" | "heartbeatTimeoutMs"
>;

/** Reconnect interval of a link and its cap (ZMQ_RECONNECT_IVL, ZMQ_RECONNECT_IVL_MAX). */
const RECONNECT_MS = 100;
const RECONNECT_MAX_MS = 1000;

/** A DEALER named `identity` with its send queue, not yet connected (the caller subscribes to its events first). */
export function openProxyLink(
  deps: Pick<ProxyPortDeps, "sockets" | "clock" | "options">,
  identity: string,
  tuning: ProxyLinkTuning = deps.options,
): ProxyLinkSocket {
  const o = deps.options;
  const socket = deps.sockets.dealer({
    routingId: identity,
    immediate: true,
    sendHighWaterMark: tuning.sendHighWaterMark,
    sendTimeoutMs: o.sendTimeoutMs,
    lingerMs: tuning.lingerMs,
    reconnectIntervalMs: RECONNECT_MS,
    reconnectMaxIntervalMs: RECONNECT_MAX_MS,
    heartbeatIntervalMs: tuning.heartbeatIntervalMs,
    heartbeatTimeoutMs: tuning.heartbeatTimeoutMs,
    ...(o.maxFrameBytes === null ? {} : { maxFrameBytes: o.maxFrameBytes }),
  });
  return { socket, queue: new SendQueue(socket, deps.clock, o.maxQueuedSends) };
}
