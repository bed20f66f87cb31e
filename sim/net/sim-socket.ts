/**
 * A simulated ROUTER or DEALER, faithful to the zeromq.js rules the socket port pins
 * (src/ports/socket.ts; test/contract/socket-port.contract.ts runs the same suite here
 * and on zeromq.js):
 *
 * - send completes at once when a pipe can take the message; otherwise it waits up to
 *   sendTimeoutMs (-1: forever, 0: fails at once) and then rejects EAGAIN (DEALER: no
 *   connected pipe with room; ROUTER mandatory: peer's pipe full) or EHOSTUNREACH (ROUTER
 *   mandatory: unknown peer). While one send waits, another rejects EBUSY.
 * - DEALER: round robin over pipes (libzmq lb_t); with `immediate` only completed
 *   connections take messages. ROUTER: routes by the first frame; without `mandatory` an
 *   unroutable or full send is dropped silently.
 * - receive: fair-queued over pipes (fq_t); a ROUTER prepends the sender's routing id.
 *   A waiting receive sees an arrival after the network's read latency (and not at all
 *   while the process is paused). One receive at a time (EBUSY).
 * - An IMMEDIATE connecting socket drops the unread messages of a connection when it
 *   closes; other sockets can still read them (libzmq as measured; spec/socket.md, rule 11).
 * - close(): pending send and receive reject ECLOSED, later calls too; links close with a
 *   FIN behind the data in flight (lingerMs 0: reset). A crashed process's sockets reset
 *   their links and never settle anything again.
 * - heartbeatIntervalMs > 0: a connection that stops hearing its peer is closed after the
 *   heartbeat timeout and reported as "disconnect" (heartbeats.ts has the model).
 * - CURVE: a router's `curveServer`, a DEALER's `curveClient` and the server key named at
 *   connect decide each handshake (curve-handshake.ts); a refused one never links.
 * - maxFrameBytes: a message with a longer frame is not delivered; the receiving side drops
 *   the connection at once, as after a reset ("disconnect"; a DEALER reconnects).
 */
import { isCurveKey } from "../../src/core/curve-key.js";
import { toBuffers } from "../../src/core/out-frames.js";
import {
  connectKeyError,
  PortError,
  type ConnectOptions,
  type CurveKeyPair,
  type CurveServerOptions,
  type DealerOptions,
  type PortSocket,
  type RouterOptions,
  type SendFrame,
  type SocketEvent,
} from "../../src/ports/socket.js";
import { LoadBalancer } from "./balancers.js";
import { Connecter } from "./connecter.js";
import type { Link } from "./flow.js";
import type { SimNetwork } from "./network.js";
import type { EndOwner, PipeEnd } from "./pipe-end.js";
import type { ProcessGate } from "./process-gate.js";
import { RouteTable } from "./routes.js";
import { ReceivePath } from "./receive-path.js";
import { SendPath } from "./send-path.js";

export type SocketKind = "router" | "dealer";

const NEVER = new Promise<never>(() => undefined);

export class SimSocket implements PortSocket, EndOwner {
  readonly id: number;
  readonly host: number;
  readonly sendHwm: number;
  readonly recvHwm: number;
  readonly immediate: boolean;
  readonly mandatory: boolean;
  readonly sendTimeoutMs: number;
  readonly lingerMs: number;
  readonly reconnectIvlUs: number;
  readonly reconnectMaxIvlUs: number;
  /** ZMTP heartbeat interval and timeout (0: no heartbeats). */
  readonly hbIvlUs: number;
  readonly hbTimeoutUs: number;
  readonly maxFrameBytes: number;
  readonly lb = new LoadBalancer<PipeEnd>();
  /** ROUTER: its CURVE server keys and allow-list (also as a set). */
  readonly curveServer: CurveServerOptions | undefined;
  readonly curveAllowed: ReadonlySet<string> | undefined;
  /** DEALER: its CURVE client keys. */
  readonly curveClient: CurveKeyPair | undefined;
  /** ROUTER: where each peer routing id goes (undefined on a DEALER). */
  readonly routes: RouteTable | undefined;
  private readonly routingId: Buffer | undefined;
  private readonly sendPath: SendPath;
  /** Fair queue, waiting receive, read latency, ROUTER prefix (receive-path.ts). */
  readonly recv: ReceivePath;
  private readonly connecters: Connecter[] = [];
  /** Accepted ends (this socket bound; the peer connected); made at the first one (most sockets only connect). */
  private accepted: Set<PipeEnd> | undefined;
  private readonly bound: string[] = [];
  private readonly listeners = new Set<(e: SocketEvent) => void>();
  private nextPeerId = 1;
  private isClosed = false;
  dead = false;
  /** Virtual time it closed or its process crashed (NaN while open). */
  closedUs = Number.NaN;

  constructor(
    private readonly net: SimNetwork,
    readonly proc: ProcessGate,
    readonly kind: SocketKind,
    o: RouterOptions & DealerOptions,
  ) {
    this.id = net.socketId();
    this.host = proc.host;
    this.sendHwm = o.sendHighWaterMark ?? 1000;
    this.recvHwm = o.receiveHighWaterMark ?? net.defaultRecvHwm;
    this.immediate = o.immediate ?? false;
    this.mandatory = kind === "router" && (o.mandatory ?? false);
    this.sendTimeoutMs = o.sendTimeoutMs ?? -1;
    this.lingerMs = o.lingerMs ?? -1;
    this.reconnectIvlUs = Math.max(1, Math.round((o.reconnectIntervalMs ?? 100) * 1000));
    this.reconnectMaxIvlUs = Math.max(0, Math.round((o.reconnectMaxIntervalMs ?? 0) * 1000));
    const ivl = o.heartbeatIntervalMs ?? 0;
    this.hbIvlUs = ivl > 0 ? Math.max(1, Math.round(ivl * 1000)) : 0;
    this.hbTimeoutUs = ivl > 0 ? Math.max(1, Math.round((o.heartbeatTimeoutMs ?? ivl) * 1000)) : 0;
    this.maxFrameBytes = o.maxFrameBytes ?? Number.POSITIVE_INFINITY;
    this.routingId = o.routingId === undefined ? undefined : Buffer.from(o.routingId);
    if (kind === "router") this.routes = new RouteTable();
    this.curveServer = kind === "router" ? o.curveServer : undefined;
    const allowed = this.curveServer?.allowedClientKeys;
    this.curveAllowed = allowed === undefined ? undefined : new Set(allowed);
    this.curveClient = kind === "dealer" ? o.curveClient : undefined;
    this.sendPath = new SendPath(this, net);
    this.recv = new ReceivePath(this, net);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  bind(address: string): Promise<string> {
    if (this.dead) return NEVER;
    if (this.isClosed) return Promise.reject(new PortError("ECLOSED", "socket is closed"));
    const m = /^tcp:\/\/([^:/]+):(\*|\d+)$/.exec(address);
    const host = m ? this.net.hostByIp(m[1]!) : undefined;
    if (!m || !host || host.index !== this.host)
      return Promise.reject(new PortError("EINVAL", `cannot bind ${address} on host ${this.net.hosts[this.host]?.ip}`));
    const port = m[2] === "*" ? this.net.allocPort(host) : Number(m[2]);
    const endpoint = `tcp://${host.ip}:${port}`;
    if (this.net.endpoints.has(endpoint)) return Promise.reject(new PortError("EADDRINUSE", `${endpoint} is in use`));
    this.net.endpoints.set(endpoint, this);
    this.bound.push(endpoint);
    this.net.trace.record("bind", this.host, this.id, port);
    return Promise.resolve(endpoint);
  }

  connect(address: string, options?: ConnectOptions): void {
    if (this.isClosed) throw new PortError("ECLOSED", "socket is closed");
    const key = options?.curveServerKey;
    const keyError = connectKeyError(address, this.curveClient !== undefined, key, isCurveKey);
    if (keyError) throw keyError;
    if (!/^tcp:\/\/[^:/]+:\d+$/.test(address)) throw new PortError("EINVAL", `cannot connect to ${address}`);
    const c = new Connecter(this.net, this, address, key);
    this.connecters.push(c);
    c.start();
  }

  disconnect(address: string): void {
    const i = this.connecters.findIndex((c) => c.address === address);
    if (i < 0) return;
    const [c] = this.connecters.splice(i, 1);
    c!.stop(this.lingerMs === 0);
  }

  send(frames: readonly SendFrame[]): Promise<void> {
    if (this.dead) return NEVER;
    if (this.isClosed) return Promise.reject(new PortError("ECLOSED", "socket is closed"));
    return this.sendPath.send(toBuffers(frames)); // text as its UTF-8 bytes, as zeromq.js sends it
  }

  receive(): Promise<Buffer[]> {
    if (this.dead) return NEVER;
    if (this.isClosed) return Promise.reject(new PortError("ECLOSED", "socket is closed"));
    return this.recv.receive();
  }

  close(): void {
    if (this.isClosed) return;
    this.closedUs = this.net.nowUs;
    this.shutdown(this.lingerMs === 0);
    // Errors are built only when something waits (an Error captures a stack trace; the pool
    // closes idle sockets all the time).
    this.sendPath.abort("socket closed while a send was pending");
    this.recv.abort();
    this.net.trace.record("close", this.host, this.id);
    this.emit({ type: "close" });
    this.listeners.clear();
  }

  /** The process crashed: links reset, nothing settles any more. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    if (!this.isClosed) {
      this.closedUs = this.net.nowUs;
      this.shutdown(true);
    }
    this.listeners.clear();
  }

  onEvent(listener: (e: SocketEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: SocketEvent): void {
    if (this.dead) return;
    // A stopped process hears of nothing until it runs again (a paused one still does:
    // the simulation has always delivered socket events at once).
    if (this.proc.frozen) this.proc.enter(() => this.emit(e));
    else for (const l of [...this.listeners]) l(e);
  }

  /** The sockets connected to this one now (a ROUTER's accepted connections): the simulator's ground truth. */
  connectedPeers(): SimSocket[] {
    const out: SimSocket[] = [];
    for (const end of this.accepted ?? []) {
      const link = end.link;
      if (link) out.push((link.a === end ? link.b : link.a).owner as SimSocket);
    }
    return out;
  }

  // --- used by connecters, flows and the send path -------------------------------------

  /** This socket's routing id as its peers see it (a generated one when none was set). */
  ownId(): Buffer {
    return this.routingId ?? Buffer.from([0, 0, 0, 0, this.id & 0xff]);
  }

  /** Routing id for a connecting peer, or undefined when a ROUTER already routes that id. */
  peerIdFor(peer: SimSocket): Buffer | undefined {
    const id =
      peer.routingId ??
      Buffer.from([
        0,
        (this.nextPeerId >>> 24) & 0xff,
        (this.nextPeerId >>> 16) & 0xff,
        (this.nextPeerId >>> 8) & 0xff,
        this.nextPeerId++ & 0xff,
      ]);
    if (this.routes?.has(id)) return undefined;
    return id;
  }

  attachEnd(end: PipeEnd): void {
    this.recv.fq.attach(end);
    if (end.link && !end.connecter) {
      this.accepted ??= new Set();
      this.accepted.add(end);
    }
    if (this.kind === "dealer") this.lb.attach(end);
    else if (end.link) this.routes!.route(end);
    this.sendPath.retry();
  }

  /** A persistent end's link came up: flush what waited, route to it. */
  linkUp(end: PipeEnd): void {
    const flow = end.outFlow()!;
    const pending = end.pending;
    if (pending) for (let f = pending.shift(); f; f = pending.shift()) flow.send(f);
    this.routes?.route(end);
    this.writable(end);
  }

  detachEnd(end: PipeEnd, dropUnread: boolean): void {
    this.lb.terminated(end);
    this.routes?.unroute(end);
    this.accepted?.delete(end);
    if (dropUnread || end.inbound.length === 0) {
      end.dropUnread();
      this.recv.fq.terminated(end);
    } else {
      end.terminating = true;
    }
  }

  delivered(end: PipeEnd): void {
    if (this.isClosed) return;
    this.recv.delivered(end);
  }

  writable(end: PipeEnd): void {
    end.outFull = false;
    if (this.kind === "dealer") this.lb.activated(end);
    this.sendPath.retry();
  }

  peerClosed(end: PipeEnd): void {
    if (this.isClosed) return;
    if (end.connecter) {
      end.connecter.peerClosed(end);
      return;
    }
    const link = end.link;
    end.outFlow()?.kill();
    end.link = undefined;
    this.endLost(end, link, 0);
  }

  /** `end` missed its peer's heartbeats: this side closes the connection (a FIN behind its data). */
  timedOut(end: PipeEnd): void {
    if (this.isClosed) return;
    if (end.connecter) {
      end.connecter.timedOut(end);
      return;
    }
    const link = end.link;
    this.endLost(end, link, end.closeLink(false));
  }

  /** A frame over maxFrameBytes arrived on `end`: libzmq fails that connection at once (its data in flight is lost both ways). */
  frameTooLarge(end: PipeEnd): void {
    if (this.isClosed) return;
    if (end.connecter) {
      end.connecter.frameTooLarge(end);
      return;
    }
    const link = end.link;
    this.endLost(end, link, end.closeLink(true));
  }

  /** An accepted connection ended: its unread messages stay readable; "disconnect". */
  private endLost(end: PipeEnd, link: Link | undefined, lost: number): void {
    this.detachEnd(end, false);
    this.net.stats.linksDown++;
    if (link) this.net.trace.record("connDown", link.id, this.host, link.a.owner.host, lost);
    this.emit({ type: "disconnect", address: end.address });
  }

  private shutdown(reset: boolean): void {
    this.isClosed = true;
    for (const ep of this.bound.splice(0)) if (this.net.endpoints.get(ep) === this) this.net.endpoints.delete(ep);
    for (const c of this.connecters.splice(0)) c.stop(reset);
    for (const end of this.accepted ? [...this.accepted] : []) {
      end.closeLink(reset);
      this.detachEnd(end, true);
    }
  }
}
