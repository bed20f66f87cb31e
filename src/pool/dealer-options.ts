/**
 * The settings of every outbound DEALER the driver opens: the socket pool's, one per host
 * (socket-pool.ts), and proxy mode's links, one per proxy (driver/proxy-link.ts). In one
 * place so that a setting added for one (a frame bound, heartbeats) reaches the other:
 * - `immediate`: nothing is queued to a peer whose connection is not up (a send waits up
 *   to `sendTimeoutMs`, then fails), so a message never sits behind a dead connection;
 * - reconnect after 100 ms, backing off to 1 s: a restarted peer is found again quickly
 *   without a storm of attempts at a dead one;
 * - heartbeats and the high-water mark as configured (a listener's links take its
 *   ROUTER's), and `maxFrameBytes` as on every socket (spec/codec.md).
 */
import type { ResolvedOptions } from "../options.js";
import type { SocketOptions } from "../ports/socket.js";

/** ZMQ_RECONNECT_IVL and ZMQ_RECONNECT_IVL_MAX of every outbound DEALER. */
export const RECONNECT_INTERVAL_MS = 100;
export const RECONNECT_MAX_INTERVAL_MS = 1000;

/** Settings a caller may take from elsewhere than the transport's options. */
export type DealerTuning = Pick<
  SocketOptions,
  "sendHighWaterMark" | "lingerMs" | "heartbeatIntervalMs" | "heartbeatTimeoutMs"
>;

export function outboundDealerOptions(
  o: Pick<
    ResolvedOptions,
    "sendHighWaterMark" | "sendTimeoutMs" | "lingerMs" | "heartbeatIntervalMs" | "heartbeatTimeoutMs" | "maxFrameBytes"
  >,
  routingId: string,
  tuning: DealerTuning = o,
): SocketOptions {
  return {
    routingId,
    immediate: true,
    sendHighWaterMark: tuning.sendHighWaterMark,
    sendTimeoutMs: o.sendTimeoutMs,
    lingerMs: tuning.lingerMs,
    reconnectIntervalMs: RECONNECT_INTERVAL_MS,
    reconnectMaxIntervalMs: RECONNECT_MAX_INTERVAL_MS,
    heartbeatIntervalMs: tuning.heartbeatIntervalMs,
    heartbeatTimeoutMs: tuning.heartbeatTimeoutMs,
    ...(o.maxFrameBytes === null ? {} : { maxFrameBytes: o.maxFrameBytes }),
  };
}
