/**
 * Delivery core: the lifecycle of every client request (call, cast, fanout), pure and
 * synchronous (spec/delivery.md): when it waits for hosts, which host it goes to, what a
 * failed send or a missing ACK leads to, and how and when it settles. The shell performs
 * the effects it asks for (`DeliveryEffects`) and reports what happened as inputs.
 *
 * Every input carries the current time and first runs everything due by then (deadlines
 * first, then pause ends and polls), so after any input nothing is overdue and
 * `nextWakeMs()` — the one timer the shell arms — is later than `nowMs`, or undefined
 * when nothing is pending. Effects run inside an input; one that calls back in is refused.
 */
import { AckPolicy, type AckOptions } from "./ack-policy.js";
import { HostHealth, type BreakerOptions } from "./host-health.js";
import { createBalancing, type Balancing } from "./balancing/balancing.js";
import { closedBeforeSend, closedWhilePending } from "./delivery-errors.js";
import { DeliveryFlows } from "./delivery-flows.js";
import {
  DeliveryRequest,
  zeroClientStats,
  type ClientStats,
  type DeliveryEffects,
  type Failover,
  type HostDownReason,
  type RequestKind,
  type SendFailure,
} from "./delivery-request.js";
import { DeliveryQueries } from "./delivery-queries.js";
import { RequestBook } from "./request-book.js";

export interface DeliveryCoreOptions {
  /** Poll interval of a key without hosts, and the longest pause after a round in which every host failed. */
  hostWaitIntervalMs: number;
  /** The cause of the deadline error of a request waiting for `host`'s pooled socket (the pool's timeout error). */
  socketTimeoutCause?: (host: string) => unknown;
  /** Acknowledged delivery (spec/delivery.md, "Acknowledged delivery"); undefined: acks off. */
  acks?: AckOptions;
  /** Each host's circuit breaker (host-health.ts). Default: only hard failures open a host, for 1 s. */
  breaker?: BreakerOptions;
  /** How a call's or cast's host is picked, and the load tracker it reads (spec/balancing.md); default: round robin. */
  balancing?: Balancing;
}

/** The core's breaker when none is given: soft failures are not counted. */
const HARD_FAILURES_ONLY: BreakerOptions = {
  failureThreshold: 0,
  windowMs: 10_000,
  coolDownMs: 1000,
  maxCoolDownMs: 30_000,
};

function checkedInterval(options: DeliveryCoreOptions): number {
  if (!(options.hostWaitIntervalMs > 0)) throw new RangeError("delivery: hostWaitIntervalMs must be > 0");
  return options.hostWaitIntervalMs;
}

export class DeliveryCore<T> extends DeliveryQueries<T> {
  private readonly flows: DeliveryFlows<T>;
  private readonly acks: AckPolicy | undefined;
  private closed = false;

  constructor(
    private readonly out: DeliveryEffects<T>,
    options: DeliveryCoreOptions,
    readonly stats: ClientStats = zeroClientStats(),
  ) {
    const balancing = options.balancing ?? createBalancing("round-robin", undefined);
    super(
      new RequestBook(out, checkedInterval(options), balancing.load, options.acks !== undefined),
      // A breaker opening or closing is reported through the optional effect (spec/observability.md).
      new HostHealth(
        options.breaker ?? HARD_FAILURES_ONLY,
        out.breakerChanged === undefined ? undefined : (host, open) => out.breakerChanged?.(host, open),
      ),
    );
    this.acks = options.acks === undefined ? undefined : new AckPolicy(options.acks);
    const { hostWaitIntervalMs, socketTimeoutCause } = options;
    this.flows = new DeliveryFlows(
      out,
      this.book,
      stats,
      hostWaitIntervalMs,
      socketTimeoutCause,
      this.acks,
      this.health,
      balancing,
    );
  }

  /**
   * A new request; `id` unique among pending ones. `hosts`: the key's hosts when the shell
   * has them at hand (a synchronous matchmaker answer), else the core asks for a lookup.
   * `failover`: whether a call or cast may move to another host once its host is believed
   * dead (acks on). After close() it settles at once with TransportClosed.
   */
  send(
    id: string,
    kind: RequestKind,
    key: string,
    deadlineMs: number,
    retry: number | null,
    ctx: T,
    nowMs: number,
    hosts?: readonly string[],
    failover?: Failover,
  ): DeliveryRequest<T> {
    this.enter(nowMs);
    try {
      const r = new DeliveryRequest(id, kind, key, deadlineMs, retry, ctx, failover);
      if (this.closed) {
        this.book.settle(r, "close", false, closedBeforeSend());
        return r;
      }
      this.flows.start(r, hosts);
      return r;
    } finally {
      this.busy = false;
    }
  }

  /** A lookup of `key` answered `hosts` ([]: none yet); with hosts, every request waiting for them goes on. */
  hostsKnown(key: string, hosts: readonly string[], nowMs: number): void {
    this.enter(nowMs);
    try {
      if (hosts.length === 0) this.flows.noHosts(key, nowMs);
      else this.flows.hostsFound(key, hosts);
    } finally {
      this.busy = false;
    }
  }

  /** A lookup of `key` failed: its waiters record `cause` (their deadline error's cause) and wait on. */
  lookupFailed(key: string, cause: unknown, nowMs: number): void {
    this.enter(nowMs);
    try {
      for (const r of this.book.waits.waitersOf(key)) r.lastCause = cause;
      this.flows.noHosts(key, nowMs);
    } finally {
      this.busy = false;
    }
  }

  /** The matchmaker says `key`'s hosts may have changed: its waiters look it up now. */
  keyChanged(key: string, nowMs: number): void {
    this.enter(nowMs);
    try {
      if (this.book.waits.changed(key)) this.out.lookup(key);
    } finally {
      this.busy = false;
    }
  }

  /** The send of `r` to `host` waits for a pooled socket (`host`), or no longer does (undefined). */
  socketWait(r: DeliveryRequest<T>, host: string | undefined, nowMs: number): void {
    this.enter(nowMs);
    if (r.state !== "settled") r.waitingForSocket = host;
    this.busy = false;
  }

  /**
   * `host`'s connection accepted `r`'s frames. Acks off: a cast settles ok, a call awaits
   * its reply, a fanout copy is delivered. Acks on: each waits for the host's ACK.
   */
  sendAccepted(r: DeliveryRequest<T>, host: string, nowMs: number): void {
    this.enter(nowMs);
    try {
      if (r.state !== "settled") this.flows.sendAccepted(r, host);
    } finally {
      this.busy = false;
    }
  }

  /** The send of `r` to `host` failed with `error`, recognised as `failure`; the shell has released its lease. */
  sendFailed(r: DeliveryRequest<T>, host: string, failure: SendFailure, error: unknown, nowMs: number): void {
    this.enter(nowMs);
    try {
      if (r.state !== "settled") this.flows.sendFailed(r, host, failure, error);
    } finally {
      this.busy = false;
    }
  }

  /** A reply to message `id` (`ok`: its body, else the rebuilt error) settles that pending call; anything else is stale. */
  replyReceived(id: string, ok: boolean, value: unknown, nowMs: number, host?: string): void {
    this.enter(nowMs);
    try {
      const r = this.pendingCall(id, host);
      // Only a pending call is settled by a reply: one naming a cast's id must not touch the cast.
      if (r === undefined) this.stats.staleReplies++;
      else {
        this.stats.replies++;
        if (r.host !== undefined) this.health.ok(r.host);
        this.flows.load?.replied(r, nowMs); // balancing: a reply time for its host
        this.book.settle(r, "reply", ok, value);
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * The pending call `id`, when a reply to it from `host` may settle it: `host` is the one
   * it was sent to, or one it left as believed dead (which may still have run it). A
   * server's message ids are no secret to it (a random prefix and a counter), so matching
   * by id alone let any server a client talks to answer calls it never received (found by
   * test/acceptance/fuzz-client.test.ts). `host` undefined: matched by id alone (tests).
   */
  pendingCall(id: string, host?: string): DeliveryRequest<T> | undefined {
    const r = this.book.get(id);
    if (r === undefined || r.kind !== "call") return undefined;
    if (host === undefined || r.host === host || r.dead?.has(host) === true) return r;
    return undefined;
  }

  /**
   * `host` acknowledged message `id` (acks on): a call or cast sent to it that waits for
   * the ACK is acknowledged (a cast settles ok, a call awaits its reply), as is a fanout's
   * copy to it; any other ACK, and every ACK while acks are off, is stale (counted).
   */
  ackReceived(id: string, host: string, nowMs: number): void {
    this.enter(nowMs);
    try {
      const r = this.book.get(id);
      if (r === undefined || this.acks === undefined) this.stats.staleAcks++;
      else this.flows.ack.ackFrom(r, host);
    } finally {
      this.busy = false;
    }
  }

  /**
   * `host` is believed dead: its connection dropped or missed its heartbeats
   * (`disconnected`). It is tripped open
   * (picks avoid it until a probe), every call or cast waiting on it for an ACK or a reply
   * moves or fails by its `failover`, and every fanout copy waiting for its ACK gives the
   * host up. Sends in flight learn of it from their own outcome. `undelivered`: ids the
   * host is known never to have received (AckFlows.hostDown): they move like failed sends.
   */
  hostDown(
    host: string,
    why: Exclude<HostDownReason, "no-ack">,
    nowMs: number,
    undelivered: readonly string[] = [],
  ): void {
    this.enter(nowMs);
    try {
      if (!this.closed) this.flows.ack.hostDown(host, why, this.book.values(), undelivered);
    } finally {
      this.busy = false;
    }
  }

  /** A connection to `host` completed its handshake again: an open host may be probed at once. */
  hostUp(host: string, nowMs: number): void {
    this.enter(nowMs);
    this.health.up(host, nowMs);
    this.busy = false;
  }

  /** The shell could not carry out an effect for `r` (an unexpected exception): `r` settles with `error`. */
  abort(r: DeliveryRequest<T>, error: unknown, nowMs: number): void {
    this.enter(nowMs);
    try {
      if (r.state !== "settled") this.flows.fail(r, error);
    } finally {
      this.busy = false;
    }
  }

  /** The timer armed at `nextWakeMs()` fired (early or late: only what is due at `nowMs` runs). */
  timerFired(nowMs: number): void {
    this.enter(nowMs);
    this.busy = false;
  }

  /** Settles every pending request with TransportClosed, in the order they were made; later ones settle at once with it. */
  close(): void {
    if (this.busy) throw new Error("delivery: close() called from inside an effect");
    if (this.closed) return;
    this.busy = true;
    try {
      this.closed = true;
      for (const r of this.book.values()) this.book.settle(r, "close", false, closedWhilePending());
      this.book.clear();
    } finally {
      this.busy = false;
    }
  }

  /**
   * The time of the input being handled: an effect happens at its input's time, so a
   * shell carrying it out need not read its clock again (inside an effect only; during
   * close(), which has no time of its own, the last input's time).
   */
  get inputNowMs(): number {
    return this.flows.nowMs;
  }

  /** Starts an input at `nowMs`: refuses one from inside an effect, then runs everything due. */
  private enter(nowMs: number): void {
    if (this.busy) throw new Error("delivery: the core was called from inside one of its effects");
    this.busy = true;
    try {
      this.flows.runDue(nowMs);
    } catch (err) {
      this.busy = false;
      throw err;
    }
  }
}
