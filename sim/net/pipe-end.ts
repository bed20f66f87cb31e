/**
 * One socket's end of a connection: what the socket's load balancer writes to and its fair
 * queue reads from. Messages written to an end travel on the link's flow to the peer end;
 * messages arriving here wait in `inbound` until the application reads them.
 *
 * A connecting socket without ZMQ_IMMEDIATE keeps one persistent end per connect() for as
 * long as it is connected or reconnecting (libzmq keeps the session's pipe): messages
 * written while no link is up wait in `pending` (at most sendHighWaterMark) and leave when
 * a link comes up, and unread messages survive a reconnect. Every other end lives and dies
 * with one link.
 */
import { Fifo } from "./fifo.js";
import { PairFifo } from "./pair-fifo.js";
import type { Writable, Readable } from "./balancers.js";
import type { Flow, Link } from "./flow.js";
import type { Heartbeats } from "./heartbeats.js";
import type { SimEvent } from "../scheduler.js";

/** What an end needs from the socket that owns it. */
export interface EndOwner {
  readonly host: number;
  readonly sendHwm: number;
  readonly recvHwm: number;
  /** A message was appended to `end.inbound`. */
  delivered(end: PipeEnd): void;
  /** `end` can take messages again after it was full. */
  writable(end: PipeEnd): void;
  /** The peer's FIN (close) or RST (crash) reached `end`. */
  peerClosed(end: PipeEnd): void;
  /** ZMQ_MAXMSGSIZE: the longest frame this owner reads (Infinity: no bound). */
  readonly maxFrameBytes: number;
  /** A frame longer than maxFrameBytes reached `end`: the owner drops the connection. */
  frameTooLarge(end: PipeEnd): void;
}

function hwm(n: number): number {
  return n <= 0 ? Infinity : n;
}

export class PipeEnd implements Writable, Readable<Buffer[]> {
  lbIdx = -1;
  fqIdx = -1;
  /** Arrived, unread messages, each with the flow it came on (HWM accounting). */
  readonly inbound = new PairFifo<Buffer[], Flow>();
  /** Messages written while no link is up (persistent ends only; made at the first one). */
  pending: Fifo<Buffer[]> | undefined;
  private currentLink: Link | undefined;
  /** This end's outgoing flow on the current link (kept with the link: a write reads it directly). */
  private out: Flow | undefined;
  /** A ROUTER owner routes to this end by its peerId (sim-socket.ts keeps it current). */
  routed = false;
  /** Left the load balancer's active set because it was full. */
  outFull = false;
  /** The link is gone; the end stays readable until its unread messages are read. */
  terminating = false;
  /** The connect() session this end belongs to (connecting side only). */
  connecter:
    | { peerClosed(end: PipeEnd): void; timedOut(end: PipeEnd): void; frameTooLarge(end: PipeEnd): void }
    | undefined;
  /** Heartbeats (heartbeats.ts) of this end's link, when its socket has them: the registry, else undefined. */
  hbReg: Heartbeats | undefined = undefined;
  /** When the link came up, when this end last heard its peer (while silent), whether it hears none now, its deadline. */
  hbUpUs = 0;
  hbHeardUs = 0;
  /** The host of the peer end (the ends are indexed by it too). */
  hbPeerHost = 0;
  hbSilent = false;
  hbTimer: SimEvent | undefined = undefined;

  constructor(
    readonly owner: EndOwner,
    /** Survives reconnects (connecting side without ZMQ_IMMEDIATE). */
    readonly persistent: boolean,
    /** Endpoint address this end connects to, or the bound address it was accepted on. */
    readonly address: string,
    /** Routing id of the peer (what a ROUTER prefixes and routes by). */
    public peerId: Buffer,
  ) {}

  get peerKey(): string {
    return this.peerId.toString("latin1");
  }

  get link(): Link | undefined {
    return this.currentLink;
  }

  set link(l: Link | undefined) {
    if (this.hbReg !== undefined) this.hbReg.detach(this);
    this.currentLink = l;
    this.out = l === undefined ? undefined : l.a === this ? l.ab : l.ba;
  }

  outFlow(): Flow | undefined {
    return this.out;
  }

  /** Whether a message fits; a "no" marks the end full, so its owner hears when room frees up. */
  canWrite(): boolean {
    const f = this.outFlow();
    const ok = f ? f.count < f.capacity : this.persistent && (this.pending?.length ?? 0) < hwm(this.owner.sendHwm);
    if (!ok) this.outFull = true;
    return ok;
  }

  write(frames: Buffer[]): void {
    const f = this.outFlow();
    if (f) f.send(frames);
    else {
      this.pending ??= new Fifo();
      this.pending.push(frames);
    }
  }

  receiveFrom(frames: Buffer[], flow: Flow): void {
    this.inbound.push(frames, flow);
  }

  take(): Buffer[] | undefined {
    const m = this.inbound.peekA();
    if (!m) return undefined;
    const flow = this.inbound.peekB()!;
    this.inbound.drop();
    flow.consumed();
    return m;
  }

  /**
   * Closes the link from this side: a FIN behind the data in flight (reset: RST, the data
   * is discarded); nothing more arrives here. Returns the messages lost on the way in.
   */
  closeLink(reset: boolean): number {
    const link = this.link;
    if (!link) return 0;
    const out = link.flowFrom(this);
    if (reset) out.reset();
    else out.fin();
    const lost = link.flowTo(this).kill();
    this.link = undefined;
    return lost;
  }

  /** Drops every unread message. */
  dropUnread(): void {
    this.inbound.clear();
  }
}
