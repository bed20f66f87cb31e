/**
 * Client engine: the shell that drives the pure client core (ReplyWaiter, RoutingTable)
 * with the socket, clock, randomness and matchmaker ports.
 *
 * Every request (call, cast or fanout) is one ReplyWaiter entry with a deadline, so each
 * settles exactly once:
 * - call:   by its reply (value or remote error), or MessagingTimeout at the deadline;
 * - cast:   when a receiver's connection accepted it, or MessageDeliveryFailure;
 * - fanout: when every server of the topic accepted it, or MessageDeliveryFailure.
 * The deadline starts when the request is made; waiting for a server to appear in the
 * matchmaker counts against it (oslo waited up to 20 s for the matchmaker first).
 * One timer (WakeTimer) is armed, at or before the earliest deadline.
 */
import { decodeReply, encodeRequest, MessageType, type RequestType } from "../core/codec.js";
import { deserializeRemoteError } from "../core/remote-error.js";
import { ReplyWaiter } from "../core/reply-waiter.js";
import { sendKey } from "../core/target.js";
import { PayloadTooLarge, TransportClosed } from "../errors.js";
import type { Clock } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import { randomId, type Rng } from "../ports/rng.js";
import type { SocketFactory } from "../ports/socket.js";
import { WakeTimer } from "../ports/wake-timer.js";
import type { ResolvedOptions } from "../options.js";
import { HostWatcher } from "./host-watcher.js";
import { deadlineError, type ClientStats, type Pending, type SendRequest } from "./pending-request.js";
import { HostSync } from "../pool/host-sync.js";
import { SocketPool, type PoolMetrics } from "../pool/socket-pool.js";
import { RequestDelivery } from "./delivery.js";

export type { ClientStats, SendKind, SendRequest } from "./pending-request.js";

export class ClientEngine {
  private readonly waiter = new ReplyWaiter<Pending>();
  private readonly pool: SocketPool;
  private readonly hosts: HostWatcher;
  private readonly hostSync: HostSync;
  private readonly delivery: RequestDelivery;
  private readonly timer: WakeTimer;
  private closed = false;
  private readonly idPrefix: string;
  private nextId = 0;
  readonly stats: ClientStats = {
    calls: 0,
    casts: 0,
    fanouts: 0,
    replies: 0,
    staleReplies: 0,
    malformedReplies: 0,
    timeouts: 0,
    deliveryFailures: 0,
    sendRetries: 0,
  };

  constructor(
    private readonly clock: Clock,
    rng: Rng,
    sockets: SocketFactory,
    matchmaker: Matchmaker,
    private readonly options: ResolvedOptions,
  ) {
    this.idPrefix = `${randomId(rng).slice(0, 16)}.`;
    this.timer = new WakeTimer(clock, () => this.onDeadline());
    this.pool = new SocketPool({
      sockets,
      clock,
      rng,
      options,
      onFrames: (frames) => this.onFrames(frames),
      onPeerDisconnect: (peer) => matchmaker.hostDown?.(peer),
    });
    this.hosts = new HostWatcher(matchmaker, clock, options.hostWaitIntervalMs);
    this.hostSync = new HostSync(matchmaker, (host) => this.pool.hostRemoved(host));
    this.delivery = new RequestDelivery({
      clock,
      hosts: this.hosts,
      hostSync: this.hostSync,
      pool: this.pool,
      stats: this.stats,
      hostWaitIntervalMs: options.hostWaitIntervalMs,
      closed: () => this.closed,
      succeed: (p) => this.succeed(p),
      fail: (p, err) => this.fail(p, err),
    });
  }

  /** Socket pool counters (spec/pool.md). */
  get poolMetrics(): PoolMetrics {
    return this.pool.metrics();
  }

  get pendingCount(): number {
    return this.waiter.size;
  }

  send(req: SendRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new TransportClosed());
    // Ids only need to be unique among this engine's requests (replies come back on the
    // engine's own sockets): a random per-engine prefix and a counter, no rng per request.
    const id = `${this.idPrefix}${(this.nextId++).toString(36)}`;
    const deadlineMs = this.clock.nowMs() + req.timeoutMs;
    const key = req.key ?? sendKey(req.target);
    const type: RequestType =
      req.kind === "call" ? MessageType.CALL : req.kind === "cast" ? MessageType.CAST : MessageType.CAST_FANOUT;
    const frames = encodeRequest(type, id, req.context, req.message, this.options.maxPayloadBytes);
    this.stats[req.kind === "call" ? "calls" : req.kind === "cast" ? "casts" : "fanouts"]++;
    let p!: Pending;
    const promise = new Promise<unknown>((resolve, reject) => {
      p = { id, kind: req.kind, key, deadlineMs, done: false, resolve, reject, delivered: 0, wanted: 0, leases: [] };
    });
    this.waiter.add(id, deadlineMs, p);
    // A timer armed at or before this deadline already covers it (the hot path).
    if (!this.timer.covers(deadlineMs)) this.rearm();
    if (req.kind === "fanout") void this.delivery.deliverFanout(p, frames);
    else this.delivery.deliverOne(p, frames, req.retry);
    return promise;
  }

  /** Rejects every pending request and closes all sockets. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer.clear();
    for (const p of this.waiter.drain()) {
      this.finish(p);
      p.reject(new TransportClosed("transport closed while the request was pending"));
    }
    this.hosts.close();
    this.hostSync.close();
    this.pool.close();
  }

  /** Marks `p` settled (its delivery stops) and returns its leases (a call's reply has arrived, or never will). */
  private finish(p: Pending): void {
    p.done = true;
    const leases = p.leases;
    if (leases.length === 0) return;
    p.leases = [];
    for (const l of leases) l.release();
  }

  /** A cast or fanout was delivered. */
  private succeed(p: Pending): void {
    if (this.waiter.settle(p.id) === undefined) return;
    this.finish(p);
    p.resolve(undefined);
    this.rearm();
  }

  private fail(p: Pending, err: unknown): void {
    if (this.waiter.settle(p.id) === undefined) return;
    this.finish(p);
    if (p.kind !== "call") this.stats.deliveryFailures++;
    p.reject(err instanceof Error ? err : new Error(String(err)));
    this.rearm();
  }

  private onFrames(frames: Buffer[]): void {
    const r = decodeReply(frames, this.options.maxPayloadBytes);
    if (!r.ok) {
      // A reply over this client's limit is not read, but its call is failed at once.
      const big = r.oversized;
      if (big !== undefined && this.waiter.get(big.messageId)?.kind === "call") {
        this.settleCall(big.messageId, new PayloadTooLarge("reply", big.bytes, this.options.maxPayloadBytes));
      } else this.stats.malformedReplies++;
      return;
    }
    // Only a pending *call* can be settled by a reply: a reply naming a cast's id (a
    // misbehaving peer) must not take the cast out of the waiter unsettled.
    if (this.waiter.get(r.value.messageId)?.kind !== "call") {
      this.stats.staleReplies++;
      return;
    }
    const failure = r.value.failure;
    this.settleCall(
      r.value.messageId,
      failure === null ? undefined : deserializeRemoteError(failure, this.options.remoteErrors),
      r.value.body,
    );
  }

  /** Settles the pending call `id` (the caller checked it is one) with `error`, or with `body` when there is none. */
  private settleCall(id: string, error: Error | undefined, body?: unknown): void {
    const p = this.waiter.settle(id)!;
    this.finish(p);
    this.stats.replies++;
    if (error !== undefined) p.reject(error);
    else p.resolve(body);
    this.rearm();
  }

  private rearm(): void {
    const next = this.waiter.nextDeadlineMs();
    // Replies settle the earliest requests first and move the earliest deadline later: a
    // timer armed for an earlier time is kept (it expires nothing and re-arms), so a reply
    // does not re-arm. It is kept when nothing is pending too (it fires once and is not
    // re-armed), so a client sending one request at a time does not arm and clear a timer
    // per request. close() clears it.
    if (next === undefined || this.timer.covers(next)) return;
    this.timer.clear();
    if (this.closed) return;
    const nowMs = this.clock.nowMs();
    // A deadline already due expires now: a timer would add Node's 1 ms minimum.
    if (next <= nowMs) {
      this.onDeadline();
      return;
    }
    this.timer.armAt(next, nowMs);
  }

  private onDeadline(): void {
    for (const p of this.waiter.expire(this.clock.nowMs())) {
      this.finish(p);
      if (p.kind === "call") this.stats.timeouts++;
      else this.stats.deliveryFailures++;
      p.reject(deadlineError(p, this.options.pool.maxSockets));
    }
    this.rearm();
  }
}
