/**
 * Socket port: the slice of zeromq.js ROUTER/DEALER semantics the driver relies on.
 * Real shell: runtime/node/zmq-socket.ts. Simulated shell: sim/. Both pass
 * test/contract/socket-port.contract.ts, which pins these rules:
 *
 * - One `send` in flight per socket: a second `send` before the first settles rejects
 *   with code "EBUSY" (zeromq.js refuses it; the driver's SendQueue serialises sends).
 * - A DEALER round-robins outgoing messages over its connected peers; with `immediate`
 *   it only queues to completed connections, so a send with no live peer waits and then
 *   rejects with "EAGAIN" after `sendTimeoutMs`.
 * - A ROUTER prepends the sender's routing id to every received message and routes a
 *   sent message by its first frame. With `mandatory`, a send to an unknown or gone peer
 *   rejects with "EHOSTUNREACH" instead of being dropped silently.
 * - Messages on one connection arrive in the order sent (per-connection FIFO).
 * - At most `sendHighWaterMark` messages queue per peer; beyond it a send waits.
 * - A DEALER reconnects on its own after the peer restarts at the same address.
 * - `receive` on a closed socket, or pending when the socket closes, rejects with "ECLOSED".
 * - With heartbeats, a connection whose peer sends nothing (not even a PONG) for
 *   `heartbeatTimeoutMs` after a PING is closed and reported as "disconnect". PINGs are
 *   answered by the I/O thread, not the application: a busy handler is not a dead peer,
 *   a stopped process or a cut link is.
 */
export type PortErrorCode = "EBUSY" | "EAGAIN" | "EHOSTUNREACH" | "ECLOSED" | "EADDRINUSE" | "EINVAL" | "EOTHER";

export class PortError extends Error {
  readonly code: PortErrorCode;
  constructor(code: PortErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PortError";
    this.code = code;
  }
}

export interface SocketOptions {
  /** ZMQ_ROUTING_ID. Random (chosen by the factory's owner) when unset. */
  routingId?: string;
  /** ZMQ_SNDHWM: messages queued per peer before send waits. */
  sendHighWaterMark?: number;
  /** ZMQ_RCVHWM. */
  receiveHighWaterMark?: number;
  /** ZMQ_SNDTIMEO: how long a send may wait; -1 waits forever. */
  sendTimeoutMs?: number;
  /** ZMQ_LINGER: how long unsent messages are kept after close. */
  lingerMs?: number;
  /** ZMQ_IMMEDIATE: queue only to completed connections. */
  immediate?: boolean;
  /** ZMQ_RECONNECT_IVL. */
  reconnectIntervalMs?: number;
  /** ZMQ_RECONNECT_IVL_MAX: cap of the exponential reconnect backoff; 0 disables backoff. */
  reconnectMaxIntervalMs?: number;
  /** ZMQ_HEARTBEAT_IVL: a ZMTP PING on every connection this often; 0 (or unset): none. */
  heartbeatIntervalMs?: number;
  /**
   * ZMQ_HEARTBEAT_TIMEOUT: a connection with no traffic from its peer this long after a
   * PING is closed (a "disconnect" event; a DEALER then reconnects). Also sent to the peer
   * as ZMQ_HEARTBEAT_TTL, so its side drops the connection when our PINGs stop.
   */
  heartbeatTimeoutMs?: number;
  /**
   * ZMQ_MAXMSGSIZE: the largest frame read. A peer that announces a longer one has its
   * connection closed before the frame is allocated (a "disconnect"; a DEALER reconnects),
   * and what it sent after that frame on that connection is lost. Unset: no bound.
   */
  maxFrameBytes?: number;
}

export interface RouterOptions extends SocketOptions {
  /** ZMQ_ROUTER_MANDATORY: unroutable sends fail with EHOSTUNREACH. */
  mandatory?: boolean;
}

export type SocketEvent =
  /** An outgoing connection completed its handshake: the peer now takes this socket's sends. */
  | { type: "connect"; address: string }
  | { type: "disconnect"; address: string }
  | { type: "accept"; address: string }
  | { type: "handshake:error"; address: string }
  | { type: "close" };

export interface PortSocket {
  /** Binds and returns the concrete endpoint (a "tcp://host:*" wildcard is resolved). */
  bind(address: string): Promise<string>;
  connect(address: string): void;
  disconnect(address: string): void;
  send(frames: readonly Buffer[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly closed: boolean;
  /** Subscribes to connection events; returns an unsubscribe function. */
  onEvent(listener: (e: SocketEvent) => void): () => void;
}

export interface SocketFactory {
  router(options: RouterOptions): PortSocket;
  dealer(options: SocketOptions): PortSocket;
  /**
   * The transport is done with the factory: Transport.close() calls it once, after its
   * servers and its engine closed their sockets. A factory releases here what it holds
   * besides its sockets (each socket is closed by its owner); the zeromq.js and simulated
   * factories hold nothing more, so theirs do nothing.
   */
  close(): void;
}
