/**
 * Socket pool shell: owns every outbound DEALER of one transport and carries out what the
 * pool core (pool-core.ts) decides, through the socket port and the clock port only.
 *
 * - `acquire(peer, deadlineMs)` resolves with a Lease on the peer's socket, or rejects
 *   with SocketPoolError (timeout, exhausted, host-removed) or TransportClosed.
 * - A Lease sends through the socket's bounded SendQueue (one send in flight, at most
 *   `maxQueuedSends` waiting: back-pressure) and must be released exactly once; release
 *   is idempotent. Calls keep their lease until their reply arrives (the reply comes back
 *   on the same socket, so it must not close under them).
 * - Sockets are held strongly in `handles` until closed (zeromq.js closes garbage-
 *   collected sockets), created with a finite linger (`lingerMs`), `immediate` set, and
 *   one receive loop each feeding replies to `onFrames`.
 * - Send outcomes and handshake errors are reported to the core, which recycles a socket
 *   after `recycleAfterFailures` in a row, or at once after a final handshake error.
 * - A peer is a matchmaker entry (core/host-entry.ts): address and, for CURVE, the key the
 *   socket names at connect. Sends fail with EHANDSHAKE where security forbids the
 *   connection or a failed handshake kept them from going out (handshake-errors.ts); after
 *   a final handshake error the socket, never connected, is closed at once.
 * - One clock timer is armed, at the core's next wake-up (idle expiry or a waiter's deadline).
 */
import { WIRE_VERSION } from "../core/batch-frames.js";
import type { OutFrame } from "../core/out-frames.js";
import { parseHostEntry } from "../core/host-entry.js";
import { TransportClosed } from "../errors.js";
import type { ResolvedOptions } from "../options.js";
import type { Clock } from "../ports/clock.js";
import { randomId, type Rng } from "../ports/rng.js";
import { PortError, type HandshakeFailure, type PortSocket, type SocketFactory } from "../ports/socket.js";
import { WakeTimer } from "../ports/wake-timer.js";
import { PoolCore } from "./pool-core.js";
import { SocketPoolError } from "./pool-error.js";
import { outboundDealerOptions } from "./dealer-options.js";
import { connectPeer, explainSendError } from "./handshake-errors.js";
import { coalescingOf, refuseLater, SendQueue } from "./send-queue.js";
import type { PoolCounters, PoolEffect, RejectReason } from "./pool-types.js";

export interface Lease {
  readonly peer: string;
  /** Pool slot id of the socket (for metrics and tests). */
  readonly slot: number;
  /** Queues frames on the socket; rejects with PortError (EAGAIN: queue full, deadline, send timeout; ECLOSED). */
  send(frames: readonly OutFrame[], deadlineMs: number): Promise<void>;
  /**
   * `send` with callbacks instead of a promise (the delivery shell's hot path): `sent`, or
   * `failed` with the same errors, is called once, never before sendThen returns.
   */
  sendThen(frames: readonly OutFrame[], deadlineMs: number, sent: () => void, failed: (e: PortError) => void): void;
  /** Returns the socket to the pool, at `nowMs` when the caller knows the time (the pool's clock). Idempotent. */
  release(nowMs?: number): void;
}

export interface PoolMetrics extends PoolCounters {
  /** Messages queued or being sent, over all sockets. */
  queuedSends: number;
  /** Deepest per-socket send queue now. */
  maxQueueDepth: number;
  /** Deepest per-socket send queue ever seen. */
  peakQueueDepth: number;
}

export interface SocketPoolDeps {
  sockets: SocketFactory;
  clock: Clock;
  rng: Rng;
  options: ResolvedOptions;
  /** Every message received on any pooled socket (replies, ACKs), with the peer whose socket it came on. */
  onFrames: (frames: Buffer[], peer: string) => void;
  /**
   * A pooled socket's connection to its peer dropped, or missed its heartbeats
   * (ZMQ_EVENT_DISCONNECTED); `undelivered`: message ids the peer surely never received.
   */
  onPeerDisconnect?: (peer: string, undelivered?: readonly string[]) => void;
  /** A pooled socket's connection to its peer completed its ZMTP handshake. */
  onPeerConnect?: (peer: string) => void;
}

interface Handle {
  readonly peer: string;
  readonly socket: PortSocket;
  readonly queue: SendQueue;
  readonly unsubscribe: () => void;
  /** What every lease on this socket shares (see PooledLease). */
  readonly leased: LeasedSlot;
}

/** A socket's connection state as its events tell it. */
interface Link {
  /** The last handshake failure since a connection last came up. */
  failed: HandshakeFailure | undefined;
}

export class SocketPool {
  private readonly core: PoolCore;
  private readonly handles = new Map<number, Handle>();
  private readonly tickets = new Map<number, { resolve: (l: Lease) => void; reject: (e: Error) => void }>();
  private readonly timer: WakeTimer;
  private peakQueueDepth = 0;
  /** curve.allowedServerKeys as a set (pinned server keys), if any. */
  private readonly pinned: ReadonlySet<string> | undefined;

  constructor(private readonly deps: SocketPoolDeps) {
    const pinned = deps.options.curve?.allowedServerKeys;
    this.pinned = pinned === undefined ? undefined : new Set(pinned);
    this.core = new PoolCore(deps.options.pool);
    this.timer = new WakeTimer(deps.clock, () => this.apply(this.core.tick(this.deps.clock.nowMs())));
  }

  /**
   * A lease on `peer`'s socket when one can be had at once (the socket is open, has room,
   * and no acquire waits): the hot path, with no promise. Undefined otherwise; `acquire`
   * then queues the request.
   */
  tryAcquire(peer: string, nowMs = this.deps.clock.nowMs()): Lease | undefined {
    const got = this.core.tryAcquire(peer, nowMs);
    return got === undefined ? undefined : this.lease(peer, got.slot, got.ticket);
  }

  acquire(peer: string, deadlineMs: number): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      const { ticket, effects } = this.core.acquire(peer, deadlineMs, this.deps.clock.nowMs());
      this.tickets.set(ticket, { resolve, reject });
      this.apply(effects);
    });
  }

  /** The matchmaker no longer lists `peer`: close (or drain) its socket, reject its waiters. */
  hostRemoved(peer: string): void {
    this.apply(this.core.hostRemoved(peer, this.deps.clock.nowMs()));
  }

  metrics(): PoolMetrics {
    let queuedSends = 0;
    let maxQueueDepth = 0;
    for (const h of this.handles.values()) {
      queuedSends += h.queue.depth;
      maxQueueDepth = Math.max(maxQueueDepth, h.queue.depth);
    }
    return { ...this.core.counters(), queuedSends, maxQueueDepth, peakQueueDepth: this.peakQueueDepth };
  }

  /** Closes every socket (linger applies) and rejects waiting acquires with TransportClosed. */
  close(): void {
    this.apply(this.core.shutdown());
    this.timer.clear();
  }

  /** Lease.sendThen (PooledLease calls it with its slot's queue; a closed slot's queue refuses with ECLOSED). */
  sendOn(
    queue: SendQueue | undefined,
    frames: readonly OutFrame[],
    deadlineMs: number,
    sent: () => void,
    failed: (e: PortError) => void,
  ): void {
    if (!queue) {
      refuseLater(failed, new PortError("ECLOSED", "pooled socket is closed"));
      return;
    }
    queue.enqueueThen(frames, deadlineMs, queue.coalesces, sent, failed);
    if (queue.depth > this.peakQueueDepth) this.peakQueueDepth = queue.depth;
  }

  /** Lease.release (PooledLease calls it, once per lease). */
  returnLease(ticket: number, slot: number, nowMs = this.deps.clock.nowMs()): void {
    const effects = this.core.release(ticket, slot, nowMs);
    // The hot path: nothing to carry out, and the only wake-up a release adds (an idle
    // expiry, nowMs + idleTimeoutMs) is not earlier than the timer already armed.
    if (effects.length === 0 && this.timer.covers(nowMs + this.deps.options.pool.idleTimeoutMs)) return;
    this.apply(effects);
  }

  private apply(effects: PoolEffect[]): void {
    for (const e of effects) {
      if (e.type === "open") this.open(e.slot, e.peer);
      else if (e.type === "close") this.closeSocket(e.slot);
      else if (e.type === "grant") this.grant(e.ticket, e.slot, e.peer);
      else if (e.type === "reject") this.refuse(e.ticket, e.peer, e.reason);
      // "drain": nothing to do now; the socket keeps serving its leases until its "close".
    }
    this.rearm();
  }

  private open(slot: number, peer: string): void {
    const o = this.deps.options;
    const curve = o.curve;
    const socket = this.deps.sockets.dealer({
      ...outboundDealerOptions(o, randomId(this.deps.rng)),
      ...(curve === null ? {} : { curveClient: { publicKey: curve.publicKey, secretKey: curve.secretKey } }),
    });
    const entry = parseHostEntry(peer);
    const link: Link = { failed: undefined };
    const unsubscribe = socket.onEvent((e) => {
      // Kept before the check below: a connect event can come while connect() runs.
      if (e.type === "connect") link.failed = undefined;
      if (!this.handles.has(slot)) return;
      if (e.type === "handshake:error") {
        link.failed = e.reason;
        const final = e.reason !== "other"; // libzmq does not reconnect after these
        if (final) socket.close(); // no connection, none to come: fail its sends now
        this.apply(this.core.handshakeFailed(slot, this.deps.clock.nowMs(), final));
      } else if (e.type === "disconnect") {
        // The disconnect that ends a failed handshake ends a connection that never came up.
        if (link.failed === undefined) this.deps.onPeerDisconnect?.(peer, e.undelivered);
      } else if (e.type === "connect") this.deps.onPeerConnect?.(peer);
    });
    // A malformed address or a refused security makes the socket's sends fail with that
    // error: it is closed like any other, its failures count (recycling), and the engine
    // tries another host.
    const connectError = connectPeer(socket, peer, entry, curve !== null, this.pinned);
    const report = (ok: boolean): void => {
      if (!this.handles.has(slot)) return;
      const effects = this.core.sendResult(slot, ok, this.deps.clock.nowMs());
      if (!ok || effects.length > 0) this.apply(effects); // a success only resets a counter: no effects, no wake-up to recompute
    };
    const explain = (err: PortError): PortError => explainSendError(err, entry.address, link.failed, curve !== null);
    const target = connectError === undefined ? socket : { send: () => Promise.reject(connectError) };
    // Coalescing only to a server that reads batches (its entry says so: core/host-entry.ts).
    // In proxy mode the socket is a virtual DEALER, which sends a batch through a proxy
    // that forwards batches and splits it for one that does not (spec/proxy.md).
    const queue = new SendQueue(
      target,
      this.deps.clock,
      o.maxQueuedSends,
      report,
      explain,
      entry.wire >= WIRE_VERSION ? coalescingOf(o, 0) : undefined,
    );
    this.handles.set(slot, { peer, socket, queue, unsubscribe, leased: new LeasedSlot(this, peer, slot, queue) });
    void this.receiveLoop(socket, peer);
  }

  private closeSocket(slot: number): void {
    const h = this.handles.get(slot);
    if (!h) return;
    this.handles.delete(slot);
    h.unsubscribe();
    h.queue.close();
    h.socket.close();
  }

  private grant(ticket: number, slot: number, peer: string): void {
    const t = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!t) {
      this.returnLease(ticket, slot);
      return;
    }
    t.resolve(this.lease(peer, slot, ticket));
  }

  private lease(peer: string, slot: number, ticket: number): Lease {
    // A slot closed meanwhile: a lease of its own whose sends refuse with ECLOSED.
    return new PooledLease(this.handles.get(slot)?.leased ?? new LeasedSlot(this, peer, slot, undefined), ticket);
  }

  private refuse(ticket: number, peer: string, reason: RejectReason): void {
    const t = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!t) return;
    const { maxSockets, maxWaiters } = this.deps.options.pool;
    if (reason === "shutdown") t.reject(new TransportClosed("transport closed while waiting for a socket"));
    else if (reason === "timeout") t.reject(SocketPoolError.timeout(peer, maxSockets));
    else if (reason === "exhausted") t.reject(SocketPoolError.exhausted(peer, maxWaiters, maxSockets));
    else t.reject(SocketPoolError.hostRemoved(peer));
  }

  private rearm(): void {
    const next = this.core.isShutdown ? undefined : this.core.nextWakeMs();
    // Every release moves an idle expiry later; a timer armed for an earlier time is kept
    // (its tick finds nothing due and re-arms), so the hot path does not re-arm per request.
    if (next === undefined) this.timer.clear();
    else this.timer.armAt(next);
  }

  private async receiveLoop(socket: PortSocket, peer: string): Promise<void> {
    while (!socket.closed) {
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch {
        return; // closed
      }
      this.deps.onFrames(frames, peer);
    }
  }
}

/** What the leases of one pooled socket share: made once per socket, not per lease. */
class LeasedSlot {
  constructor(
    readonly pool: SocketPool,
    readonly peer: string,
    readonly slot: number,
    /** The slot's send queue (closed with the slot, after which it refuses with ECLOSED). */
    readonly queue: SendQueue | undefined,
  ) {}
}

/**
 * A lease: its socket's shared part and its ticket, released at most once. A call keeps
 * its lease until its reply, so the lease is two fields (40 bytes): with the pool, peer,
 * slot, queue and a released flag of its own it was 72 bytes per pending call (heap
 * snapshot, issue 14).
 */
class PooledLease implements Lease {
  constructor(
    private readonly of: LeasedSlot,
    /** The pool core's ticket (>= 1); 0 once released. */
    private ticket: number,
  ) {}

  get peer(): string {
    return this.of.peer;
  }

  get slot(): number {
    return this.of.slot;
  }

  send(frames: readonly OutFrame[], deadlineMs: number): Promise<void> {
    return new Promise((resolve, reject) => this.sendThen(frames, deadlineMs, resolve, reject));
  }

  sendThen(frames: readonly OutFrame[], deadlineMs: number, sent: () => void, failed: (e: PortError) => void): void {
    if (this.ticket === 0) refuseLater(failed, new PortError("ECLOSED", "lease already released"));
    else this.of.pool.sendOn(this.of.queue, frames, deadlineMs, sent, failed);
  }

  release(nowMs?: number): void {
    if (this.ticket === 0) return;
    const ticket = this.ticket;
    this.ticket = 0;
    this.of.pool.returnLease(ticket, this.of.slot, nowMs);
  }
}
