/**
 * Delivery shell: carries out what the delivery core (src/core/delivery-core.ts) decides
 * and reports back what happened (spec/delivery.md). Lookups go to the matchmaker (a host
 * list at hand through peekHosts, else getHosts; watch notifications become
 * `keyChanged`), sends to the socket pool (a lease, then the send through it), host lists
 * to HostSync, settles to the request's promise; its one timer (WakeTimer) is armed at
 * the core's next wake-up. No decision is taken here.
 *
 * The core must not be called from inside one of its effects. Outcomes that come later
 * (a send's promise, a lookup's answer, the timer) are inputs of their own; those the
 * shell has at once (a host list at hand, a send that waits for a socket) or that a
 * synchronous callback brings while an input runs (a watch notification) are queued and
 * given right after the input. The common call — hosts at hand, a pooled socket with
 * room — takes one input and no queued one: `start` sends it through `send` at once.
 */
import type { AckOptions } from "../core/ack-policy.js";
import type { BreakerOptions } from "../core/host-health.js";
import type { Balancing } from "../core/balancing/balancing.js";
import type {
  ClientStats,
  DeliveryEffects,
  DeliveryRequest,
  Failover,
  HostDownReason,
  RequestKind,
} from "../core/delivery-request.js";
import { DeliveryCore } from "../core/delivery-core.js";
import type { Clock } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import { WakeTimer } from "../ports/wake-timer.js";
import type { HostSync } from "../pool/host-sync.js";
import { SocketPoolError } from "../pool/pool-error.js";
import type { Lease, SocketPool } from "../pool/socket-pool.js";
import type { Observer } from "../observability/observer.js";
import { sendFailureOf, type Outbound } from "./outbound.js";

export interface DeliveryShellDeps {
  clock: Clock;
  matchmaker: Matchmaker;
  pool: Pick<SocketPool, "tryAcquire" | "acquire">;
  hostSync: Pick<HostSync, "observe">;
  stats: ClientStats;
  hostWaitIntervalMs: number;
  /** The pool's cap, named in the cause of a request that waited for a socket until its deadline. */
  maxSockets: number;
  /** Acknowledged delivery's timing (DriverOptions.acks on), else undefined. */
  acks: AckOptions | undefined;
  /** Each host's circuit breaker (DriverOptions.circuitBreaker); default: the core's (hard failures only). */
  breaker?: BreakerOptions;
  /** The core's balancing (DriverOptions.balancing, drawing from the transport's Rng); default: round robin. */
  balancing?: Balancing;
  /** Where breaker changes and exhausted retries are reported (spec/observability.md). */
  observer?: Observer | undefined;
}

export class DeliveryShell implements DeliveryEffects<Outbound> {
  readonly core: DeliveryCore<Outbound>;
  private readonly clock: Clock;
  private readonly timer: WakeTimer;
  private readonly unwatch: (() => void) | undefined;
  /** Inputs that came up while an input ran, given right after it, in order. */
  private readonly later: (() => void)[] = [];

  constructor(private readonly d: DeliveryShellDeps) {
    this.clock = d.clock;
    this.core = new DeliveryCore<Outbound>(
      this,
      {
        hostWaitIntervalMs: d.hostWaitIntervalMs,
        socketTimeoutCause: (host) => SocketPoolError.timeout(host, d.maxSockets),
        acks: d.acks,
        breaker: d.breaker,
        balancing: d.balancing,
      },
      d.stats,
    );
    this.timer = new WakeTimer(d.clock, () => {
      const nowMs = this.clock.nowMs();
      this.core.timerFired(nowMs);
      this.after(nowMs);
      // The timer is disarmed now: arm it at the earliest wake-up left, if any.
      const wakeMs = this.core.nextWakeMs();
      if (wakeMs !== undefined) this.timer.armAt(wakeMs, nowMs);
    });
    // Every change of every key is announced, and few have waiters: only those are inputs.
    // The check reads the core's live map of waited keys directly: in a large cluster
    // notifications outnumber requests, and each touches as few objects as possible.
    const waited = this.core.keysWaitedFor();
    this.unwatch = d.matchmaker.watch?.((key) => {
      if (waited.has(key)) this.input((nowMs) => this.core.keyChanged(key, nowMs));
    });
  }

  /** A new request, made at `nowMs`: sent at once when its key's hosts are at hand. */
  start(
    id: string,
    kind: RequestKind,
    key: string,
    deadlineMs: number,
    retry: number | null,
    out: Outbound,
    nowMs: number,
    failover: Failover,
  ): void {
    // A whole number of ms (rounded up, so never earlier): the monotonic clock's fractional
    // time would make the request's deadline a boxed double, 16 bytes more per pending
    // call (heap snapshot, issue 14); a whole one up to 2^31 ms (24 days of the process)
    // stays inside the object. A deadline already reached stays reached: rounded up, a
    // timeout of 0 got up to 1 ms to be sent in (a cast with timeoutMs 0 then resolved
    // about one run in ten, test/acceptance/regressions.test.ts).
    const whole = deadlineMs <= nowMs ? Math.floor(nowMs) : Math.ceil(deadlineMs);
    this.core.send(id, kind, key, whole, retry, out, nowMs, this.peek(key), failover);
    this.after(nowMs);
  }

  /** A reply to message `id` from `host`: its body (`ok`), or the error rebuilt from its failure. */
  reply(id: string, ok: boolean, value: unknown, host?: string): void {
    const nowMs = this.clock.nowMs();
    this.core.replyReceived(id, ok, value, nowMs, host);
    this.after(nowMs);
  }

  /** `host` acknowledged message `id` (an ACK came on `host`'s pooled socket). */
  ack(id: string, host: string): void {
    const nowMs = this.clock.nowMs();
    this.core.ackReceived(id, host, nowMs);
    this.after(nowMs);
  }

  /** A pooled socket's connection to `host` completed its handshake (again). */
  hostUp(host: string): void {
    this.input((nowMs) => this.core.hostUp(host, nowMs));
  }

  /** A pooled socket's connection to `host` dropped or missed its heartbeats; `undelivered`: ids it surely never got. */
  hostDown(host: string, why: Exclude<HostDownReason, "no-ack">, undelivered: readonly string[] = []): void {
    this.input((nowMs) => this.core.hostDown(host, why, nowMs, undelivered));
  }

  /** Whether `id` is a pending call a reply from `host` would settle. */
  isPendingCall(id: string, host?: string): boolean {
    return this.core.pendingCall(id, host) !== undefined;
  }

  /** Settles every pending request with TransportClosed; no timer or watch is left. */
  close(): void {
    this.core.close();
    this.timer.clear();
    this.unwatch?.();
  }

  // --- effects (called by the core, inside an input) ---------------------------------

  lookup(key: string): void {
    const hosts = this.peek(key);
    if (hosts !== undefined) this.later.push(() => this.core.hostsKnown(key, hosts, this.clock.nowMs()));
    else void this.getHosts(key);
  }

  send(r: DeliveryRequest<Outbound>, host: string): void {
    // An effect runs at its input's time: the pool is given it rather than reading the
    // clock again (two reads of about 50 ns less per cast, with release below; issue 14).
    const nowMs = this.core.inputNowMs;
    // A call or cast resent after an ACK timeout still holds its last send's lease.
    if (r.fanout === undefined) r.ctx.releaseAll(nowMs);
    try {
      const lease = this.d.pool.tryAcquire(host, nowMs);
      if (lease !== undefined) {
        this.sendOn(r, host, lease);
        return;
      }
      this.later.push(() => this.core.socketWait(r, host, this.clock.nowMs()));
      this.d.pool.acquire(host, r.deadlineMs).then(
        (l) => this.granted(r, host, l),
        (err: unknown) => this.failed(r, host, undefined, err),
      );
    } catch (err) {
      this.later.push(() => this.core.abort(r, err, this.clock.nowMs()));
    }
  }

  hostsSeen(key: string, hosts: readonly string[]): void {
    this.d.hostSync.observe(key, hosts);
  }

  sendsOver(r: DeliveryRequest<Outbound>): void {
    r.ctx.frames = undefined;
  }

  release(r: DeliveryRequest<Outbound>): void {
    r.ctx.releaseAll(this.core.inputNowMs);
  }

  settle(r: DeliveryRequest<Outbound>, ok: boolean, value: unknown): void {
    if (ok) {
      r.ctx.settle(value);
      return;
    }
    const observer = this.d.observer;
    if (observer !== undefined && (value as { code?: unknown } | null)?.code === "MessageDeliveryFailure")
      observer.report({
        type: "retry-exhausted",
        kind: r.kind,
        key: r.key,
        messageId: r.id,
        error: (value as Error).message,
      });
    r.ctx.reject(value as Error);
  }

  breakerChanged(host: string, open: boolean): void {
    this.d.observer?.report({ type: open ? "breaker-open" : "breaker-closed", host });
  }

  // --- outcomes --------------------------------------------------------------------------

  private sendOn(r: DeliveryRequest<Outbound>, host: string, lease: Lease): void {
    r.ctx.hold(lease);
    const frames = r.ctx.frames;
    // Let go (sendsOver) while this send waited for its socket: an ACK of an earlier copy
    // came meanwhile, and the call only waits for its reply now (holding this lease).
    if (frames === undefined) return;
    lease.sendThen(
      frames,
      r.deadlineMs,
      () => {
        const nowMs = this.clock.nowMs();
        this.core.sendAccepted(r, host, nowMs);
        this.after(nowMs);
      },
      (err: unknown) => this.failed(r, host, lease, err),
    );
  }

  /** The pool granted the socket a send waited for. */
  private granted(r: DeliveryRequest<Outbound>, host: string, lease: Lease): void {
    const nowMs = this.clock.nowMs();
    this.core.socketWait(r, undefined, nowMs);
    if (r.state === "settled") lease.release();
    else this.sendOn(r, host, lease);
    this.after(nowMs);
  }

  private failed(r: DeliveryRequest<Outbound>, host: string, lease: Lease | undefined, err: unknown): void {
    if (lease !== undefined) r.ctx.drop(lease);
    const nowMs = this.clock.nowMs();
    this.core.sendFailed(r, host, sendFailureOf(err), err, nowMs);
    this.after(nowMs);
  }

  private async getHosts(key: string): Promise<void> {
    let hosts: readonly string[];
    try {
      hosts = await this.d.matchmaker.getHosts(key);
    } catch (err) {
      this.input((nowMs) => this.core.lookupFailed(key, err, nowMs));
      return;
    }
    this.input((nowMs) => this.core.hostsKnown(key, hosts, nowMs));
  }

  /** The matchmaker's non-empty answer at hand for `key`, if any. */
  private peek(key: string): readonly string[] | undefined {
    const hosts = this.d.matchmaker.peekHosts?.(key);
    return hosts !== undefined && hosts.length > 0 ? hosts : undefined;
  }

  /** Gives an input now, or right after the input running now (a callback that came from inside an effect). */
  private input(give: (nowMs: number) => void): void {
    if (this.core.inInput) {
      this.later.push(() => give(this.clock.nowMs()));
      return;
    }
    const nowMs = this.clock.nowMs();
    give(nowMs);
    this.after(nowMs);
  }

  /**
   * After an input: the queued inputs, then the timer, armed at or before the core's next
   * wake-up. Only wake-ups added since the last input can be earlier than the armed timer
   * (settling only moves the next wake-up later), so the common input asks for no more.
   */
  private after(nowMs: number): void {
    for (let next = this.later.shift(); next !== undefined; next = this.later.shift()) next();
    const addedMs = this.core.takeEarliestAddedWake();
    if (addedMs !== Infinity) this.timer.armAt(addedMs, nowMs);
  }
}
