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
 * Only one timer is armed: at the earliest deadline.
 */
import { decodeReply, encodeRequest, MessageType, type RequestType } from "../core/codec.js";
import { deserializeRemoteError } from "../core/remote-error.js";
import { ReplyWaiter } from "../core/reply-waiter.js";
import { RoutingTable } from "../core/routing-table.js";
import { sendKey } from "../core/target.js";
import { MessageDeliveryFailure, TransportClosed } from "../errors.js";
import { sleepOn, type Clock, type TimerId } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import { randomId, type Rng } from "../ports/rng.js";
import type { SocketFactory } from "../ports/socket.js";
import type { ResolvedOptions } from "../options.js";
import { HostWatcher } from "./host-watcher.js";
import { deadlineError, type ClientStats, type Pending, type SendRequest } from "./pending-request.js";
import { HostSync } from "../pool/host-sync.js";
import { SocketPool, type Lease, type PoolMetrics } from "../pool/socket-pool.js";
import { SocketPoolError } from "../pool/pool-error.js";

export type { ClientStats, SendKind, SendRequest } from "./pending-request.js";

export class ClientEngine {
  private readonly waiter = new ReplyWaiter<Pending>();
  private readonly routing = new RoutingTable();
  private readonly pool: SocketPool;
  private readonly hosts: HostWatcher;
  private readonly hostSync: HostSync;
  private timer: { id: TimerId; atMs: number } | undefined;
  private closed = false;
  private readonly idPrefix: string;
  private nextId = 0;
  readonly stats: ClientStats = {
    calls: 0, casts: 0, fanouts: 0, replies: 0, staleReplies: 0, malformedReplies: 0,
    timeouts: 0, deliveryFailures: 0, sendRetries: 0,
  };

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    sockets: SocketFactory,
    matchmaker: Matchmaker,
    private readonly options: ResolvedOptions,
  ) {
    this.idPrefix = `${randomId(rng).slice(0, 16)}.`;
    this.pool = new SocketPool({ sockets, clock, rng, options, onFrames: (frames) => this.onFrames(frames), onPeerDisconnect: (peer) => matchmaker.hostDown?.(peer) });
    this.hosts = new HostWatcher(matchmaker, clock, options.hostWaitIntervalMs);
    this.hostSync = new HostSync(matchmaker, (host) => this.pool.hostRemoved(host));
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
    const type: RequestType = req.kind === "call" ? MessageType.CALL : req.kind === "cast" ? MessageType.CAST : MessageType.CAST_FANOUT;
    const frames = encodeRequest(type, id, req.context, req.message);
    this.stats[req.kind === "call" ? "calls" : req.kind === "cast" ? "casts" : "fanouts"]++;
    let p!: Pending;
    const promise = new Promise<unknown>((resolve, reject) => {
      p = { id, kind: req.kind, key, deadlineMs, done: false, resolve, reject, delivered: 0, wanted: 0, leases: [] };
    });
    this.waiter.add(id, deadlineMs, p);
    // A timer armed at or before this deadline already covers it (the hot path).
    if (this.timer === undefined || this.timer.atMs > deadlineMs) this.rearm();
    if (req.kind === "fanout") void this.deliverFanout(p, frames);
    else void this.deliverOne(p, frames, req.retry);
    return promise;
  }

  /** Rejects every pending request and closes all sockets. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) this.clock.clearTimer(this.timer.id);
    this.timer = undefined;
    for (const p of this.waiter.drain()) {
      this.finish(p);
      p.reject(new TransportClosed("transport closed while the request was pending"));
    }
    this.hosts.close();
    this.hostSync.close();
    this.pool.close();
  }

  /** The hosts of `p.key`, waiting for some until its deadline; [] when none came (the hot path peeks first, without a promise). */
  private waitForHosts(p: Pending): Promise<readonly string[]> {
    return this.hosts.waitForHosts(p.key, p.deadlineMs, () => p.done, (cause) => (p.lastCause = cause));
  }

  /**
   * Call or cast: one host at a time, round robin, until a send is accepted. Never
   * rejects: a failure settles the request. The common case (hosts known, a pooled socket
   * with room) takes no promise before the send itself.
   */
  private async deliverOne(p: Pending, frames: Buffer[], retry: number | null): Promise<void> {
    try {
      let failures = 0;
      let failed: Set<string> | undefined;
      for (;;) {
        const hosts = this.hosts.peek(p.key) ?? (await this.waitForHosts(p));
        if (hosts.length === 0 || p.done) return; // the deadline settles it
        p.wanted = hosts.length;
        const host = this.routing.pick(p.key, failed === undefined ? hosts : notFailed(hosts, failed));
        // A list the routing table saw last time for this key was reported already.
        if (!this.routing.lastPickSameList) this.hostSync.observe(p.key, hosts);
        let lease: Lease | undefined;
        try {
          lease = this.pool.tryAcquire(host);
          if (lease !== undefined) p.leases.push(lease);
          else if ((lease = await this.acquire(p, host)) === undefined) return; // settled meanwhile
          await lease.send(frames, p.deadlineMs);
        } catch (err) {
          if (lease) this.dropLease(p, lease);
          p.lastCause = err;
          if (err instanceof SocketPoolError && err.reason !== "host-removed") {
            if (err.reason === "exhausted") this.fail(p, err);
            return; // "timeout": the deadline settles it, with this as its cause
          }
          (failed ??= new Set()).add(host);
          failures++;
          if (retry !== null && failures > retry) return this.fail(p, new MessageDeliveryFailure(`send to ${host} failed after ${failures} attempt(s)`, { cause: err }));
          if (this.clock.nowMs() >= p.deadlineMs) return; // the deadline timer settles it
          this.stats.sendRetries++;
          if (hosts.every((h) => failed!.has(h))) {
            // Every known host failed once: pause before the next round, so a send that
            // fails fast (a full queue) never spins without yielding to timers.
            failed.clear();
            await this.pause(p.deadlineMs);
          }
          continue;
        }
        if (p.kind === "cast" && !p.done) this.succeed(p);
        return;
      }
    } catch (err) {
      this.fail(p, err);
    }
  }

  /** Fanout: every host of the key once, in parallel. Never rejects: a failure settles the request. */
  private async deliverFanout(p: Pending, frames: Buffer[]): Promise<void> {
    try {
      const hosts = this.hosts.peek(p.key) ?? (await this.waitForHosts(p));
      if (hosts.length === 0 || p.done) return;
      this.hostSync.observe(p.key, hosts);
      p.wanted = hosts.length;
      await Promise.all(hosts.map(async (host) => {
        while (!p.done && this.clock.nowMs() < p.deadlineMs) {
          let lease: Lease | undefined;
          try {
            lease = await this.acquire(p, host);
            if (!lease) return;
            await lease.send(frames, p.deadlineMs);
            p.delivered++;
            return;
          } catch (err) {
            if (lease) this.dropLease(p, lease);
            p.lastCause = err;
            if ((err as { code?: string }).code === "ECLOSED" || err instanceof SocketPoolError) return;
            await this.pause(p.deadlineMs);
          }
        }
      }));
      if (p.done) return;
      if (p.delivered === p.wanted) return this.succeed(p);
      // Some host was given up before the deadline (its socket closed, or no socket could be had).
      this.fail(p, new MessageDeliveryFailure(`fanout ${p.id} to ${p.key} reached ${p.delivered} of ${p.wanted} servers`, { cause: p.lastCause }));
    } catch (err) {
      this.fail(p, err);
    }
  }

  /** A lease on `host`'s socket held by `p`, waiting for one if need be; undefined (nothing held) if `p` settled meanwhile. */
  private async acquire(p: Pending, host: string): Promise<Lease | undefined> {
    p.waitingForSocket = host;
    let lease: Lease;
    try {
      lease = await this.pool.acquire(host, p.deadlineMs);
    } finally {
      p.waitingForSocket = undefined;
    }
    if (p.done) {
      lease.release();
      return undefined;
    }
    p.leases.push(lease);
    return lease;
  }

  private dropLease(p: Pending, lease: Lease): void {
    if (!p.done) p.leases = p.leases.filter((l) => l !== lease);
    lease.release();
  }

  /** Marks `p` settled (its delivery stops) and returns its leases (a call's reply has arrived, or never will). */
  private finish(p: Pending): void {
    p.done = true;
    const leases = p.leases;
    if (leases.length === 0) return;
    p.leases = [];
    for (const l of leases) l.release();
  }

  /** Waits hostWaitIntervalMs (at most until the deadline) on the clock port. */
  private pause(deadlineMs: number): Promise<void> {
    return this.closed ? Promise.resolve() : sleepOn(this.clock, Math.min(this.options.hostWaitIntervalMs, deadlineMs - this.clock.nowMs()));
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
      this.stats.malformedReplies++;
      return;
    }
    // Only a pending *call* can be settled by a reply: a reply naming a cast's id (a
    // misbehaving peer) must not take the cast out of the waiter unsettled.
    if (this.waiter.get(r.value.messageId)?.kind !== "call") {
      this.stats.staleReplies++;
      return;
    }
    const p = this.waiter.settle(r.value.messageId)!;
    this.finish(p);
    this.stats.replies++;
    if (r.value.failure !== null) p.reject(deserializeRemoteError(r.value.failure, this.options.remoteErrors));
    else p.resolve(r.value.body);
    this.rearm();
  }

  private rearm(): void {
    const next = this.waiter.nextDeadlineMs();
    // Replies settle the earliest requests first and move the earliest deadline later; a
    // timer armed for an earlier time is kept (it expires nothing and re-arms), so the hot
    // path does not re-arm on every reply. It is kept when nothing is pending too (it
    // fires once, expires nothing, and is not re-armed): a client sending one request at a
    // time otherwise armed and cleared a timer per request. close() clears it.
    if (this.timer && (next === undefined || this.timer.atMs <= next)) return;
    if (this.timer) this.clock.clearTimer(this.timer.id);
    this.timer = undefined;
    if (next === undefined || this.closed) return;
    const delayMs = next - this.clock.nowMs();
    // A deadline already due expires now: a timer would add Node's 1 ms minimum.
    if (delayMs <= 0) return this.onDeadline();
    const id = this.clock.setTimer(delayMs, () => this.onDeadline());
    this.timer = { id, atMs: next };
  }

  private onDeadline(): void {
    this.timer = undefined;
    for (const p of this.waiter.expire(this.clock.nowMs())) {
      this.finish(p);
      if (p.kind === "call") this.stats.timeouts++;
      else this.stats.deliveryFailures++;
      p.reject(deadlineError(p, this.options.pool.maxSockets));
    }
    this.rearm();
  }
}

/** The hosts not in `failed`, or all of them when every one has failed. */
function notFailed(hosts: readonly string[], failed: ReadonlySet<string>): readonly string[] {
  const fresh = hosts.filter((h) => !failed.has(h));
  return fresh.length > 0 ? fresh : hosts;
}
