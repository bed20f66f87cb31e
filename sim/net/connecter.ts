/**
 * The connecting side of one connect(address) call (libzmq's session + reconnect logic):
 * tries to reach the bound endpoint, completes a handshake one round trip later, and after
 * the connection drops (or never came up) tries again after the reconnect interval,
 * doubling it up to reconnectMaxIntervalMs when that is set (0 = no backoff).
 *
 * A connection attempt fails when nothing is bound at the address (refused), when the
 * bound socket's process is gone, when either direction of the link is blocked (the
 * handshake needs both), or when either process is frozen (a stopped process's kernel
 * would accept the TCP connection, but no ZMTP greeting comes until it resumes: the
 * attempt counts as failed and is retried). A ROUTER refuses a second connection with a
 * routing id it already routes to (libzmq without ZMQ_ROUTER_HANDOVER); the connecter
 * retries later. A connection whose heartbeats time out (heartbeats.ts) is closed from
 * this side and retried like one the peer closed. A handshake the security check refuses
 * (curve-handshake.ts) never links: both sides hear "handshake:error" and "disconnect",
 * and the connecter tries again after the reconnect interval, or never again after a
 * final refusal (libzmq ends such a connection for good).
 */
import type { SimEvent } from "../scheduler.js";
import { curveRefusal, REFUSAL_CODE, type Refusal } from "./curve-handshake.js";
import { Link } from "./flow.js";
import type { SimNetwork } from "./network.js";
import { PipeEnd } from "./pipe-end.js";
import type { SimSocket } from "./sim-socket.js";

const NO_ID = Buffer.alloc(0);

export class Connecter {
  /** The persistent end (no ZMQ_IMMEDIATE), or the current link's end. */
  private end: PipeEnd | undefined;
  private link: Link | undefined;
  private attempt: SimEvent | undefined;
  private ivlUs: number;
  private stopped = false;

  constructor(
    private readonly net: SimNetwork,
    private readonly sock: SimSocket,
    readonly address: string,
    /** The server key named at connect (a CURVE client). */
    private readonly serverKey: string | undefined = undefined,
  ) {
    this.ivlUs = sock.reconnectIvlUs;
  }

  start(): void {
    if (!this.sock.immediate) {
      this.end = new PipeEnd(this.sock, true, this.address, NO_ID);
      this.end.connecter = this;
      this.sock.attachEnd(this.end);
    }
    this.attempt = this.net.at(this.net.nowUs, () => this.tryConnect());
  }

  get connected(): boolean {
    return this.link !== undefined;
  }

  /** disconnect() or close(): no more attempts; the link (if any) closes from this side. */
  stop(reset: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    this.net.cancel(this.attempt);
    this.attempt = undefined;
    const end = this.end;
    if (this.link && end) end.closeLink(reset);
    this.link = undefined;
    if (end) this.sock.detachEnd(end, true);
    this.end = undefined;
  }

  /** The peer's FIN or RST reached our end. */
  peerClosed(end: PipeEnd): void {
    if (end.link !== this.link || !this.link) return;
    const link = this.link;
    this.link = undefined;
    const lost = end.outFlow()?.kill() ?? 0;
    end.link = undefined;
    this.lost(end, link, lost);
  }

  /** Our end missed the peer's heartbeats: it closes the connection (a FIN behind our data) and reconnects. */
  timedOut(end: PipeEnd): void {
    if (end.link !== this.link || !this.link) return;
    const link = this.link;
    this.link = undefined;
    this.lost(end, link, end.closeLink(false));
  }

  /** A frame over maxFrameBytes reached our end: the connection is dropped at once (a reset) and retried. */
  frameTooLarge(end: PipeEnd): void {
    if (end.link !== this.link || !this.link) return;
    const link = this.link;
    this.link = undefined;
    this.lost(end, link, end.closeLink(true));
  }

  private lost(end: PipeEnd, link: Link, lost: number): void {
    if (!end.persistent) {
      this.sock.detachEnd(end, this.sock.immediate);
      this.end = undefined;
    }
    this.net.stats.linksDown++;
    this.net.trace.record("connDown", link.id, this.sock.host, link.b.owner.host, lost);
    this.sock.emit({ type: "disconnect", address: this.address });
    this.retry();
  }

  private retry(): void {
    if (this.stopped || this.sock.closed) return;
    const wait = this.ivlUs;
    if (this.sock.reconnectMaxIvlUs > 0) this.ivlUs = Math.min(this.ivlUs * 2, this.sock.reconnectMaxIvlUs);
    this.attempt = this.net.at(this.net.nowUs + wait, () => this.tryConnect());
  }

  private usableBinder(): SimSocket | undefined {
    const b = this.net.endpoints.get(this.address);
    if (!b || b.closed) return undefined;
    if (!this.net.linkOpen(this.sock.host, b.host) || !this.net.linkOpen(b.host, this.sock.host)) return undefined;
    if (b.proc.frozen || this.sock.proc.frozen) return undefined;
    return b;
  }

  private tryConnect(): void {
    this.attempt = undefined;
    if (this.stopped || this.sock.closed) return;
    const b = this.usableBinder();
    if (!b) {
      this.net.stats.connectRetries++;
      this.net.trace.record("connRetry", 0, this.sock.host, this.net.hostByIp(ipOf(this.address))?.index ?? -1);
      this.retry();
      return;
    }
    const [me, it] = [this.sock.host, b.host];
    const rtt =
      this.net.delayUs(me, it) +
      this.net.delayUs(it, me) +
      this.net.extraDelayUs(me, it) +
      this.net.extraDelayUs(it, me);
    this.attempt = this.net.at(this.net.nowUs + rtt, () => this.handshake(b));
  }

  private handshake(binder: SimSocket): void {
    this.attempt = undefined;
    if (this.stopped || this.sock.closed) return;
    const b = this.usableBinder();
    // The security handshake comes before the routing id is exchanged (ZMTP 3: READY).
    const refusal =
      b === binder ? curveRefusal(this.sock.curveClient, this.serverKey, b.curveServer, b.curveAllowed) : undefined;
    if (b && refusal) {
      this.refused(b, refusal);
      return;
    }
    const myId = b === binder ? binder.peerIdFor(this.sock) : undefined;
    if (!b || b !== binder || !myId) {
      this.net.stats.connectRetries++;
      this.retry();
      return;
    }
    const mine = this.end ?? new PipeEnd(this.sock, false, this.address, b.ownId());
    mine.connecter = this;
    mine.peerId = b.ownId();
    const theirs = new PipeEnd(b, false, this.address, myId);
    const link = new Link(this.net, this.net.linkId(), mine, theirs);
    mine.link = link;
    theirs.link = link;
    this.link = link;
    this.end = mine;
    this.ivlUs = this.sock.reconnectIvlUs;
    this.net.stats.linksUp++;
    this.net.trace.record("connUp", link.id, this.sock.host, b.host);
    if (mine.persistent) this.sock.linkUp(mine);
    else this.sock.attachEnd(mine);
    b.attachEnd(theirs);
    this.net.heartbeats.linkUp(link);
    b.emit({ type: "accept", address: this.address });
    this.sock.emit({ type: "connect", address: this.address });
  }

  /** A refused handshake: both sides hear of it, nothing links; tried again unless final. */
  private refused(b: SimSocket, r: Refusal): void {
    this.net.stats.handshakeFailures++;
    this.net.trace.record("refused", this.sock.host, b.host, REFUSAL_CODE[r.client]);
    b.emit({ type: "accept", address: this.address });
    if (r.refusedKey !== undefined)
      b.emit({ type: "auth:refused", address: this.net.hosts[this.sock.host]?.ip ?? "", clientKey: r.refusedKey });
    b.emit({ type: "handshake:error", address: this.address, reason: r.server });
    b.emit({ type: "disconnect", address: this.address });
    this.sock.emit({ type: "handshake:error", address: this.address, reason: r.client });
    this.sock.emit({ type: "disconnect", address: this.address });
    if (r.final) return; // no attempt is armed: this connection is over
    this.ivlUs = this.sock.reconnectIvlUs; // the TCP connection was made: the backoff starts over
    this.retry();
  }
}

function ipOf(address: string): string {
  const m = /^tcp:\/\/([^:]+):/.exec(address);
  return m ? m[1]! : "";
}
