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
 * - CURVE (test/contract/socket-port-curve.contract.ts): a ROUTER with `curveServer` is a
 *   CURVE server; a DEALER with `curveClient` is a CURVE client and names the server's
 *   public key at each `connect` (ZeroMQ reads it when the connection is made, so one
 *   DEALER may reach servers of different keys). A connection whose two sides do not
 *   agree — plaintext and CURVE, a server key other than the server's, a client key
 *   outside the server's `allowedClientKeys` — never completes: both sides report
 *   "handshake:error", nothing is delivered either way, and an `immediate` DEALER's send
 *   times out (EAGAIN). After a "mechanism" or "auth" failure the connecting side does
 *   not try again (libzmq ends that connection for good); after an "other" failure (the
 *   server hung up mid-handshake, as it does on a wrong server key) it reconnects as usual.
 *   A router with `allowedClientKeys` reports each refused key as "auth:refused".
 */
/**
 * EHANDSHAKE is never raised by a socket: the pool (src/pool/socket-pool.ts) gives it to a
 * send that failed on a socket whose security handshake failed, or that it refused to make
 * (a plaintext connection to a CURVE host, or the other way round).
 */
export type PortErrorCode =
  | "EBUSY"
  | "EAGAIN"
  | "EHOSTUNREACH"
  | "ECLOSED"
  | "EADDRINUSE"
  | "EINVAL"
  | "EHANDSHAKE"
  | "EOTHER";

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
  /** ZMQ_CURVE_SERVER with this key pair: every connection must complete a CURVE handshake. */
  curveServer?: CurveServerOptions;
}

/** A CURVE key pair, Z85 (40 characters each). */
export interface CurveKeyPair {
  publicKey: string;
  secretKey: string;
}

export interface CurveServerOptions extends CurveKeyPair {
  /**
   * When set, only clients whose public key is listed complete the handshake (ZAP, RFC 27:
   * the zeromq.js factory answers ZAP requests for its routers); unset, any client key is
   * accepted (encryption and server authentication only).
   */
  allowedClientKeys?: readonly string[];
}

export interface DealerOptions extends SocketOptions {
  /** A CURVE client with this long-term key pair: every connect names the server's public key. */
  curveClient?: CurveKeyPair;
}

export interface ConnectOptions {
  /** ZMQ_CURVE_SERVERKEY for this connection: required on a `curveClient` DEALER, refused (EINVAL) on any other. */
  curveServerKey?: string;
}

/**
 * Why a security handshake failed: "auth", the server refused the client's key (ZAP);
 * "mechanism", one side uses CURVE and the other does not; "protocol", another ZMTP
 * protocol error (a server that cannot decrypt the client's HELLO: a wrong server key);
 * "other", the peer hung up during the handshake.
 */
export type HandshakeFailure = "auth" | "mechanism" | "protocol" | "other";

export type SocketEvent =
  /** An outgoing connection completed its handshake: the peer now takes this socket's sends. */
  | { type: "connect"; address: string }
  /** `undelivered` (proxy mode only): ids of messages the peer surely never received (every proxy refused them). */
  | { type: "disconnect"; address: string; undelivered?: readonly string[] }
  | { type: "accept"; address: string }
  /** A connection's handshake failed (on either side): nothing was or will be delivered on it. */
  | { type: "handshake:error"; address: string; reason: HandshakeFailure }
  /** A CURVE router with allowedClientKeys refused `clientKey` (Z85), from `address` (the client's IP as ZAP saw it). */
  | { type: "auth:refused"; address: string; clientKey: string }
  | { type: "close" };

/**
 * A frame handed to `send`: bytes, or text sent as its UTF-8 bytes (a request's or
 * reply's id and short JSON payload, core/out-frames.ts). Received frames are always Buffers.
 */
export type SendFrame = Buffer | string;

export interface PortSocket {
  /** Binds and returns the concrete endpoint (a "tcp://host:*" wildcard is resolved). */
  bind(address: string): Promise<string>;
  /** Connects; a CURVE client DEALER names the server's key (`curveServerKey`), any other socket names none. */
  connect(address: string, options?: ConnectOptions): void;
  disconnect(address: string): void;
  /** Sends one message; a text frame goes as its UTF-8 bytes. */
  send(frames: readonly SendFrame[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly closed: boolean;
  /** Subscribes to connection events; returns an unsubscribe function. */
  onEvent(listener: (e: SocketEvent) => void): () => void;
}

export interface SocketFactory {
  router(options: RouterOptions): PortSocket;
  dealer(options: DealerOptions): PortSocket;
  /**
   * The transport is done with the factory: Transport.close() calls it once, after its
   * servers and its engine closed their sockets. A factory releases here what it holds
   * besides its sockets (each socket is closed by its owner): the zeromq.js factory closes
   * its ZAP handler, if it made one; the simulated factory holds nothing more.
   */
  close(): void;
}

/**
 * The port's rule for `connect(address, { curveServerKey })` (socket.md, CURVE rules): a
 * CURVE client must name the server's key, a plaintext socket must not, and a key must be
 * a CURVE key. Both implementations check it here before anything else; undefined: allowed.
 */
export function connectKeyError(
  address: string,
  curveClient: boolean,
  key: string | undefined,
  isCurveKey: (k: string) => boolean,
): PortError | undefined {
  if (curveClient !== (key !== undefined))
    return new PortError(
      "EINVAL",
      key === undefined
        ? `a CURVE client must name the server's key to connect to ${address}`
        : `a server key was given for ${address}, but this socket is not a CURVE client`,
    );
  if (key !== undefined && !isCurveKey(key))
    return new PortError("EINVAL", `the server key for ${address} is not a CURVE key`);
  return undefined;
}
