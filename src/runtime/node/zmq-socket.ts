/**
 * Socket port over zeromq.js 6 (the real shell).
 *
 * What this adapter normalises, so the rest of the driver sees one behaviour:
 * - zeromq.js throws EBUSY *synchronously* from a second concurrent send; here it is a
 *   rejected promise with PortError("EBUSY").
 * - A receive pending at close rejects with EAGAIN and later ones with EBADF; here both
 *   are PortError("ECLOSED").
 * - A ROUTER with `mandatory` retries an unroutable send until ZMQ_SNDTIMEO before it
 *   reports EHOSTUNREACH; routers here default to sendTimeoutMs 0 so a reply to a gone
 *   client fails at once instead of stalling every other reply behind it.
 * - A DEALER keeps its routing id when libzmq reconnects it (after missed heartbeats, say).
 *   A ROUTER that still holds the old connection then, without ZMQ_ROUTER_HANDOVER, parks
 *   the new one after reading its routing id, and never reads it again: the client's sends
 *   are accepted and lost (test/redis/heartbeat.acceptance.test.ts thaws such a server).
 *   Routers here set `handover`: the new connection takes the routing id over and the old
 *   one is closed.
 * - CURVE: a router with `curveServer` is a ZMQ_CURVE_SERVER; with `allowedClientKeys` it
 *   gets a ZAP domain of the factory's ZAP handler (zap-handler.ts, one per Context, made
 *   at the first such router) and ZMQ_ZAP_ENFORCE_DOMAIN, and binds only once the handler
 *   is bound. A `curveClient` DEALER sets ZMQ_CURVE_SERVERKEY right before each connect:
 *   libzmq copies the socket's options into the connection at connect time.
 * Sockets are held strongly by their owner: zeromq.js closes garbage-collected sockets.
 */
import * as zmq from "zeromq";
import { curveKeyHex, isCurveKey } from "../../core/curve-key.js";
import {
  connectKeyError,
  PortError,
  type ConnectOptions,
  type DealerOptions,
  type HandshakeFailure,
  type PortErrorCode,
  type PortSocket,
  type RouterOptions,
  type SendFrame,
  type SocketEvent,
  type SocketFactory,
  type SocketOptions,
} from "../../ports/socket.js";
import { ZapHandler } from "./zap-handler.js";

const KNOWN: ReadonlySet<string> = new Set(["EBUSY", "EAGAIN", "EHOSTUNREACH", "EADDRINUSE", "EINVAL"]);

function toPortError(err: unknown, closed: boolean): PortError {
  const code = (err as { code?: unknown }).code;
  let c: PortErrorCode = typeof code === "string" && KNOWN.has(code) ? (code as PortErrorCode) : "EOTHER";
  if (code === "EBADF" || closed) c = "ECLOSED";
  return new PortError(c, (err as Error).message ?? String(err), { cause: err });
}

function baseOptions(o: SocketOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.routingId !== undefined) out.routingId = o.routingId;
  if (o.sendHighWaterMark !== undefined) out.sendHighWaterMark = o.sendHighWaterMark;
  if (o.receiveHighWaterMark !== undefined) out.receiveHighWaterMark = o.receiveHighWaterMark;
  if (o.sendTimeoutMs !== undefined) out.sendTimeout = o.sendTimeoutMs;
  if (o.lingerMs !== undefined) out.linger = o.lingerMs;
  if (o.immediate !== undefined) out.immediate = o.immediate;
  if (o.reconnectIntervalMs !== undefined) out.reconnectInterval = o.reconnectIntervalMs;
  if (o.reconnectMaxIntervalMs !== undefined) out.reconnectMaxInterval = o.reconnectMaxIntervalMs;
  if (o.maxFrameBytes !== undefined) out.maxMessageSize = o.maxFrameBytes;
  if (o.heartbeatIntervalMs !== undefined && o.heartbeatIntervalMs > 0) {
    out.heartbeatInterval = o.heartbeatIntervalMs;
    if (o.heartbeatTimeoutMs !== undefined) {
      out.heartbeatTimeout = o.heartbeatTimeoutMs;
      out.heartbeatTimeToLive = o.heartbeatTimeoutMs;
    }
  }
  return out;
}

/** How a zeromq.js handshake failure event reads as the port's reason. */
function handshakeFailure(ev: zmq.Event): HandshakeFailure {
  if (ev.type === "handshake:error:auth") return "auth";
  if (ev.type === "handshake:error:protocol")
    return (ev as { error?: { code?: unknown } }).error?.code === "ERR_ZMTP_MECHANISM_MISMATCH"
      ? "mechanism"
      : "protocol";
  return "other";
}

interface SocketExtras {
  /** A CURVE client DEALER: each connect names the server key. */
  curveClient?: boolean;
  /** Settles before bind (the ZAP handler a router's handshakes depend on is bound). */
  beforeBind?: Promise<void>;
  /** Runs once at close (the router's ZAP domain is removed). */
  onClose?: () => void;
}

class ZmqPortSocket implements PortSocket {
  private readonly listeners = new Set<(e: SocketEvent) => void>();
  private eventsStarted = false;
  private serverKey: string | undefined;

  constructor(
    private readonly sock: zmq.Router | zmq.Dealer,
    private readonly extras: SocketExtras = {},
  ) {}

  get closed(): boolean {
    return this.sock.closed;
  }

  async bind(address: string): Promise<string> {
    try {
      if (this.extras.beforeBind) await this.extras.beforeBind;
      await this.sock.bind(address);
    } catch (err) {
      throw toPortError(err, this.sock.closed);
    }
    return this.sock.lastEndpoint ?? address;
  }

  connect(address: string, options?: ConnectOptions): void {
    const key = options?.curveServerKey;
    const keyError = connectKeyError(address, this.extras.curveClient === true, key, isCurveKey);
    if (keyError) throw keyError;
    try {
      // Read by libzmq when the connection is made: set right before each connect.
      if (key !== undefined && key !== this.serverKey) {
        this.sock.curveServerKey = key;
        this.serverKey = key;
      }
      this.sock.connect(address);
    } catch (err) {
      // A malformed address (it came from the matchmaker) is the port's error, not zeromq.js's.
      throw toPortError(err, this.sock.closed);
    }
  }

  disconnect(address: string): void {
    try {
      this.sock.disconnect(address);
    } catch {
      /* not connected: nothing to undo */
    }
  }

  /**
   * Text frames go to zeromq.js as they are: it encodes a string to UTF-8 natively, into a
   * message freed on libzmq's I/O thread. A Buffer of more than 128 bytes it sends without
   * copying, and releases through a uv_async callback on the main thread once sent (an
   * extra wake-up of the main thread per message when it is idle), besides the Buffer
   * allocated for it. A call one at a time (its request and reply each sent alone): -7 and
   * -8 % main-thread CPU (npm run bench:ab, call-1, two runs of 40 round pairs; quartiles
   * -10.5 to -2.9 % and -14.4 to +1.9 %).
   */
  send(frames: readonly SendFrame[]): Promise<void> {
    try {
      return this.sock.send(frames as (Buffer | string)[]).catch((err: unknown) => {
        throw toPortError(err, this.sock.closed);
      });
    } catch (err) {
      return Promise.reject(toPortError(err, this.sock.closed));
    }
  }

  async receive(): Promise<Buffer[]> {
    if (this.sock.closed) throw new PortError("ECLOSED", "socket is closed");
    try {
      return await this.sock.receive();
    } catch (err) {
      throw toPortError(err, this.sock.closed);
    }
  }

  close(): void {
    if (this.sock.closed) return;
    this.sock.close();
    this.extras.onClose?.();
    for (const l of this.listeners) l({ type: "close" });
  }

  /** Hands an event that does not come from the socket's monitor (a ZAP refusal) to the listeners. */
  emit(e: SocketEvent): void {
    if (this.sock.closed) return;
    for (const l of this.listeners) l(e);
  }

  onEvent(listener: (e: SocketEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.eventsStarted) {
      this.eventsStarted = true;
      void this.pumpEvents();
    }
    return () => this.listeners.delete(listener);
  }

  private async pumpEvents(): Promise<void> {
    try {
      for await (const ev of this.sock.events) {
        const address = (ev as { address?: string }).address ?? "";
        let e: SocketEvent | undefined;
        // The port's "connect" means the connection is usable: zeromq.js's own "connect"
        // fires at TCP connect, before the ZMTP handshake, when an IMMEDIATE DEALER has no
        // pipe to the peer yet; a send then would skip it. "handshake" is that moment.
        if (ev.type === "handshake") e = { type: "connect", address };
        else if (ev.type === "disconnect") e = { type: "disconnect", address };
        else if (ev.type === "accept") e = { type: "accept", address };
        else if (ev.type.startsWith("handshake:error"))
          e = { type: "handshake:error", address, reason: handshakeFailure(ev) };
        if (e) for (const l of this.listeners) l(e);
      }
    } catch {
      /* the observer ends when the socket closes */
    }
  }
}

/** Creates zeromq.js sockets on one Context owned by this factory, and its ZAP handler when a router needs one. */
export class ZmqSocketFactory implements SocketFactory {
  private readonly context = new zmq.Context({ blocky: false });
  private zap: ZapHandler | undefined;

  router(options: RouterOptions): PortSocket {
    const curve = options.curveServer;
    const security: Record<string, unknown> = {};
    const extras: SocketExtras = {};
    let port: ZmqPortSocket | undefined;
    if (curve) {
      security.curveServer = true;
      security.curvePublicKey = curve.publicKey;
      security.curveSecretKey = curve.secretKey;
      if (curve.allowedClientKeys !== undefined) {
        this.zap ??= new ZapHandler(this.context);
        const zap = this.zap;
        const domain = zap.add(
          curve.allowedClientKeys.map((k) => curveKeyHex(k)),
          (clientKey, address) => port?.emit({ type: "auth:refused", address, clientKey }),
        );
        security.zapDomain = domain;
        security.zapEnforceDomain = true;
        extras.beforeBind = zap.ready;
        extras.onClose = () => zap.remove(domain);
      }
    }
    port = new ZmqPortSocket(
      new zmq.Router({
        sendTimeout: 0,
        ...baseOptions(options),
        ...security,
        mandatory: options.mandatory ?? true,
        handover: true,
        context: this.context,
      }),
      extras,
    );
    return port;
  }

  dealer(options: DealerOptions): PortSocket {
    const curve = options.curveClient;
    const security = curve ? { curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey } : {};
    return new ZmqPortSocket(new zmq.Dealer({ ...baseOptions(options), ...security, context: this.context }), {
      curveClient: curve !== undefined,
    });
  }

  /**
   * Closes the ZAP handler, if one was made. Each socket is closed by its owner, and
   * zeromq.js 6 has no call that ends a Context; it shuts the Context down when the
   * Context is garbage-collected (after its sockets are closed) and terminates it at
   * process exit.
   */
  close(): void {
    this.zap?.close();
    this.zap = undefined;
  }
}
