/**
 * Delivery core: the lifecycle of every client request (call, cast, fanout), pure and
 * synchronous (spec/delivery.md). It decides when a request waits for hosts, which host
 * it is sent to, whether a failed send is retried, paused or given up, and how and when
 * the request settles (reply, delivery, deadline, failure, close). The shell (the client
 * engine) performs the effects it asks for through `DeliveryEffects` and reports what
 * happened through the inputs below; every input carries the current time.
 *
 * Time comes in as `nowMs`: an input first settles every deadline and runs every pause
 * end and poll due at that time, so after any input nothing is overdue and `nextWakeMs()`
 * (the one timer the shell arms) is later than `nowMs`, or undefined when nothing waits.
 * A request's state changes only through the table in request-states.ts.
 */
import {
  closedBeforeSend,
  closedWhilePending,
  deadlineError,
  fanoutIncomplete,
  retriesExhausted,
} from "./delivery-errors.js";
import {
  DeliveryRequest,
  FanoutHost,
  zeroClientStats,
  type ClientStats,
  type DeliveryEffects,
  type RequestKind,
  type SendFailure,
} from "./delivery-request.js";
import { HostWaits, type KeyWait } from "./host-waits.js";
import { MinHeap } from "./min-heap.js";
import { nextFanoutHostState, nextRequestState, type FanoutHostEvent, type RequestEvent } from "./request-states.js";
import { RoutingTable } from "./routing-table.js";

export interface DeliveryCoreOptions {
  /** Poll interval of a key without hosts, and the longest pause after a round in which every host failed. */
  hostWaitIntervalMs: number;
  /** The cause of the deadline error of a request waiting for `host`'s pooled socket (the pool's timeout error). */
  socketTimeoutCause?: (host: string) => unknown;
}

/** A wake-up: a paused call or cast, a paused fanout copy, or a key's next poll. */
type Wake<T> = DeliveryRequest<T> | FanoutHost<T> | KeyWait<DeliveryRequest<T>>;

export class DeliveryCore<T> {
  /** Pending requests by message id, in the order they were made. */
  private readonly pending = new Map<string, DeliveryRequest<T>>();
  /** Every pending request by deadline; settled ones are skipped lazily. */
  private readonly deadlines = new MinHeap<DeliveryRequest<T>>();
  /** Pause ends and polls; entries no longer wanted are skipped lazily. */
  private readonly wakes = new MinHeap<Wake<T>>();
  private readonly waits: HostWaits<DeliveryRequest<T>>;
  private readonly routing = new RoutingTable();
  private readonly intervalMs: number;
  private closed = false;
  /** An input is being handled (effects run inside it; the shell must not call back in). */
  private busy = false;

  constructor(
    private readonly out: DeliveryEffects<T>,
    private readonly options: DeliveryCoreOptions,
    readonly stats: ClientStats = zeroClientStats(),
  ) {
    if (!(options.hostWaitIntervalMs > 0)) throw new RangeError("delivery: hostWaitIntervalMs must be > 0");
    this.intervalMs = options.hostWaitIntervalMs;
    this.waits = new HostWaits(options.hostWaitIntervalMs);
  }

  /**
   * A new request. `hosts`: the key's hosts when the shell has them at hand (a synchronous
   * matchmaker answer); without them the core asks for a lookup. After `close()` the request
   * settles at once with TransportClosed. `id` must be unique among pending requests.
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
  ): DeliveryRequest<T> {
    this.enter(nowMs);
    try {
      const r = new DeliveryRequest(id, kind, key, deadlineMs, retry, ctx);
      if (this.closed) {
        this.finish(r, "close", false, closedBeforeSend());
        return r;
      }
      if (this.pending.has(id)) throw new Error(`delivery: duplicate request id ${id}`);
      this.stats[kind === "call" ? "calls" : kind === "cast" ? "casts" : "fanouts"]++;
      this.pending.set(id, r);
      this.deadlines.push(deadlineMs, r);
      if (deadlineMs <= nowMs) this.expire(r);
      else if (hosts === undefined || hosts.length === 0) {
        this.move(r, "needHosts");
        this.waitForHosts(r);
      } else if (kind === "fanout") this.fanOut(r, hosts, "fanOut");
      else this.attempt(r, hosts, "hostsAtHand");
      return r;
    } finally {
      this.busy = false;
    }
  }

  /** A lookup of `key` answered `hosts` ([]: none yet). Every request waiting for the key's hosts goes on. */
  hostsKnown(key: string, hosts: readonly string[], nowMs: number): void {
    this.enter(nowMs);
    try {
      if (hosts.length === 0) {
        this.noHosts(key, nowMs);
        return;
      }
      const waiters = this.waits.found(key);
      if (waiters === undefined) return;
      for (const r of waiters) {
        if (r.kind === "fanout") this.fanOut(r, hosts, "fanOut");
        else this.attempt(r, hosts, "hosts");
      }
    } finally {
      this.busy = false;
    }
  }

  /** A lookup of `key` failed: its waiters record `cause` (their deadline error's cause) and go on waiting. */
  lookupFailed(key: string, cause: unknown, nowMs: number): void {
    this.enter(nowMs);
    try {
      for (const r of this.waits.waitersOf(key)) r.lastCause = cause;
      this.noHosts(key, nowMs);
    } finally {
      this.busy = false;
    }
  }

  /** The matchmaker says `key`'s hosts may have changed: its waiters look it up now. */
  keyChanged(key: string, nowMs: number): void {
    this.enter(nowMs);
    try {
      if (this.waits.changed(key)) this.out.lookup(key);
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

  /** `host`'s connection accepted `r`'s frames: a cast is delivered, a call awaits its reply, a fanout copy is done. */
  sendAccepted(r: DeliveryRequest<T>, host: string, nowMs: number): void {
    this.enter(nowMs);
    try {
      if (r.state === "settled") return;
      r.waitingForSocket = undefined;
      if (r.kind === "fanout") {
        const h = r.fanout?.get(host);
        if (h === undefined || h.state !== "sending") return;
        this.moveHost(h, "accepted");
        r.delivered++;
        this.hostEnded(r);
      } else if (r.state === "sending" && r.host === host) {
        if (r.kind === "cast") this.finish(r, "delivered", true, undefined);
        else this.move(r, "accepted");
      }
    } finally {
      this.busy = false;
    }
  }

  /** The send of `r` to `host` failed (`error`, recognised as `failure`); the shell has released its lease. */
  sendFailed(r: DeliveryRequest<T>, host: string, failure: SendFailure, error: unknown, nowMs: number): void {
    this.enter(nowMs);
    try {
      if (r.state === "settled") return;
      r.waitingForSocket = undefined;
      if (r.kind === "fanout") this.fanoutSendFailed(r, host, failure, error, nowMs);
      else if (r.state === "sending" && r.host === host) this.sendFailedOne(r, host, failure, error, nowMs);
    } finally {
      this.busy = false;
    }
  }

  /** A reply for message `id`: settles the pending call of that id (`ok`: its value, else the rebuilt error); anything else is stale. */
  replyReceived(id: string, ok: boolean, value: unknown, nowMs: number): void {
    this.enter(nowMs);
    try {
      const r = this.pending.get(id);
      // Only a pending call is settled by a reply: one naming a cast's id must not touch the cast.
      if (r === undefined || r.kind !== "call") {
        this.stats.staleReplies++;
        return;
      }
      this.stats.replies++;
      this.finish(r, "reply", ok, value);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Reserved for acknowledged delivery (the server's "received" before its reply): a
   * resent call's copies will be told apart by it. Servers send no acks yet; the input
   * changes nothing.
   */
  ackReceived(_id: string, nowMs: number): void {
    this.enter(nowMs);
    this.busy = false;
  }

  /**
   * `host`'s connection dropped. Requests in flight to it learn of it through their own
   * sends; a call it accepted waits for its reply until its deadline (no resend yet: a
   * resend needs acks and server dedup). The input changes nothing today.
   */
  hostDown(_host: string, nowMs: number): void {
    this.enter(nowMs);
    this.busy = false;
  }

  /** The shell could not carry out an effect for `r` (an unexpected exception): `r` settles with `error`. */
  abort(r: DeliveryRequest<T>, error: unknown, nowMs: number): void {
    this.enter(nowMs);
    try {
      if (r.state !== "settled") this.fail(r, error);
    } finally {
      this.busy = false;
    }
  }

  /** The timer armed at `nextWakeMs()` fired (early or late: only what is due at `nowMs` runs). */
  timerFired(nowMs: number): void {
    this.enter(nowMs);
    this.busy = false;
  }

  /** Settles every pending request with TransportClosed; later requests settle at once with it. */
  close(): void {
    if (this.busy) throw new Error("delivery: close() called from inside an effect");
    if (this.closed) return;
    this.busy = true;
    try {
      this.closed = true;
      for (const r of this.pending.values()) this.finish(r, "close", false, closedWhilePending());
      this.deadlines.clear();
      this.wakes.clear();
      this.waits.clear();
    } finally {
      this.busy = false;
    }
  }

  /** When the shell must call `timerFired` next; undefined when nothing waits. */
  nextWakeMs(): number | undefined {
    const d = this.liveDeadline();
    const w = this.liveWake();
    if (d === undefined) return w?.key;
    return w === undefined || d.key <= w.key ? d.key : w.key;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The pending request of message `id`, if any (tests, diagnostics). */
  request(id: string): DeliveryRequest<T> | undefined {
    return this.pending.get(id);
  }

  /** Keys with requests waiting for hosts or a lookup in flight (tests, diagnostics). */
  get waitingKeys(): number {
    return this.waits.size;
  }

  // --- call and cast -----------------------------------------------------------------

  /** Picks the next host of `hosts` (round robin, skipping hosts failed this round) and sends. */
  private attempt(r: DeliveryRequest<T>, hosts: readonly string[], event: RequestEvent): void {
    r.wanted = hosts.length;
    r.hosts = hosts;
    const failed = r.failed;
    const host = this.routing.pick(r.key, failed === undefined || failed.size === 0 ? hosts : notFailed(hosts, failed));
    // A list the routing table picked from last time for this key was reported already.
    if (!this.routing.lastPickSameList) this.out.hostsSeen(r.key, hosts);
    r.host = host;
    this.move(r, event);
    this.out.send(r, host);
  }

  private sendFailedOne(
    r: DeliveryRequest<T>,
    host: string,
    failure: SendFailure,
    error: unknown,
    nowMs: number,
  ): void {
    r.lastCause = error;
    if (failure === "exhausted") {
      this.fail(r, error);
      return;
    }
    if (failure === "socket-timeout") {
      this.move(r, "stop"); // the deadline settles it, with this cause
      return;
    }
    r.failed ??= new Set();
    const failed = r.failed;
    failed.add(host);
    r.failures++;
    if (r.retry !== null && r.failures > r.retry) {
      this.fail(r, retriesExhausted(host, r.failures, error));
      return;
    }
    this.stats.sendRetries++;
    if (!r.hosts.every((h) => failed.has(h))) {
      this.move(r, "retry");
      this.waitForHosts(r);
      return;
    }
    // Every host of the list failed once this round: pause before the next round, so a
    // send that fails fast (a full queue) does not spin.
    failed.clear();
    r.wakeAtMs = Math.min(nowMs + this.intervalMs, r.deadlineMs);
    this.move(r, "pause");
    this.wakes.push(r.wakeAtMs, r);
  }

  // --- fanout --------------------------------------------------------------------------

  /** Sends a copy to every host of the snapshot `hosts` at once; hosts registered later get none. */
  private fanOut(r: DeliveryRequest<T>, hosts: readonly string[], event: RequestEvent): void {
    r.wanted = hosts.length;
    r.hosts = hosts;
    this.move(r, event);
    this.out.hostsSeen(r.key, hosts);
    const progress = new Map<string, FanoutHost<T>>();
    for (const h of hosts) progress.set(h, new FanoutHost(r, h));
    r.fanout = progress;
    r.openHosts = progress.size;
    for (const h of progress.values()) this.out.send(r, h.host);
  }

  private fanoutSendFailed(
    r: DeliveryRequest<T>,
    host: string,
    failure: SendFailure,
    error: unknown,
    nowMs: number,
  ): void {
    const h = r.fanout?.get(host);
    if (h === undefined || h.state !== "sending") return;
    r.lastCause = error;
    // A closed socket or a pool refusal gives the host up; other errors send again after a pause.
    if (failure !== "send-error") {
      this.moveHost(h, "giveUp");
      this.hostEnded(r);
      return;
    }
    h.untilMs = Math.min(nowMs + this.intervalMs, r.deadlineMs);
    this.moveHost(h, "failed");
    this.wakes.push(h.untilMs, h);
  }

  /** A fanout host was delivered or given up; the last one settles the fanout. */
  private hostEnded(r: DeliveryRequest<T>): void {
    if (--r.openHosts > 0) return;
    if (r.delivered === r.wanted) this.finish(r, "complete", true, undefined);
    else {
      this.stats.deliveryFailures++;
      this.finish(r, "incomplete", false, fanoutIncomplete(r));
    }
  }

  // --- waiting, time, settling -----------------------------------------------------------

  private waitForHosts(r: DeliveryRequest<T>): void {
    if (this.waits.join(r.key, r)) this.out.lookup(r.key);
  }

  private noHosts(key: string, nowMs: number): void {
    const next = this.waits.empty(key, nowMs);
    if (next === "lookup") this.out.lookup(key);
    else if (next !== undefined) this.wakes.push(next.pollAtMs, next);
  }

  /** Starts an input at `nowMs`: refuses re-entry from an effect, then runs everything due. */
  private enter(nowMs: number): void {
    if (this.busy) throw new Error("delivery: the core was called from inside one of its effects");
    this.busy = true;
    try {
      for (;;) {
        const d = this.liveDeadline();
        const w = this.liveWake();
        if (d !== undefined && d.key <= nowMs && (w === undefined || d.key <= w.key)) {
          this.deadlines.pop();
          this.expire(d.value);
        } else if (w !== undefined && w.key <= nowMs) {
          this.wakes.pop();
          this.wake(w.value);
        } else return;
      }
    } catch (err) {
      this.busy = false;
      throw err;
    }
  }

  private wake(w: Wake<T>): void {
    if (w instanceof DeliveryRequest) {
      this.move(w, "resume");
      this.waitForHosts(w);
    } else if (w instanceof FanoutHost) {
      this.moveHost(w, "resume");
      this.out.send(w.request, w.host);
    } else {
      this.waits.startPoll(w);
      this.out.lookup(w.key);
    }
  }

  private liveDeadline(): { key: number; value: DeliveryRequest<T> } | undefined {
    for (let top = this.deadlines.peek(); top !== undefined; top = this.deadlines.peek()) {
      if (top.value.state !== "settled") return top;
      this.deadlines.pop();
    }
    return undefined;
  }

  private liveWake(): { key: number; value: Wake<T> } | undefined {
    for (let top = this.wakes.peek(); top !== undefined; top = this.wakes.peek()) {
      const v = top.value;
      const live =
        v instanceof DeliveryRequest
          ? v.state === "paused" && v.wakeAtMs === top.key
          : v instanceof FanoutHost
            ? v.state === "paused" && v.request.state !== "settled" && v.untilMs === top.key
            : this.waits.pollWanted(v, top.key);
      if (live) return top;
      this.wakes.pop();
    }
    return undefined;
  }

  /** The deadline passed: MessagingTimeout (call) or MessageDeliveryFailure (cast, fanout). */
  private expire(r: DeliveryRequest<T>): void {
    const socket = r.waitingForSocket;
    const cause =
      socket !== undefined && this.options.socketTimeoutCause ? this.options.socketTimeoutCause(socket) : r.lastCause;
    if (r.kind === "call") this.stats.timeouts++;
    else this.stats.deliveryFailures++;
    this.finish(r, "expire", false, deadlineError(r, cause));
  }

  private fail(r: DeliveryRequest<T>, error: unknown): void {
    if (r.kind !== "call") this.stats.deliveryFailures++;
    this.finish(r, "fail", false, error instanceof Error ? error : new Error(String(error)));
  }

  /** Settles `r`: it leaves every table, its leases are released, then its promise settles. */
  private finish(r: DeliveryRequest<T>, event: RequestEvent, ok: boolean, value: unknown): void {
    if (r.state === "waiting-for-hosts") this.waits.leave(r.key, r);
    this.move(r, event);
    this.pending.delete(r.id);
    this.out.release(r);
    this.out.settle(r, ok, value);
  }

  private move(r: DeliveryRequest<T>, event: RequestEvent): void {
    const to = nextRequestState(r.state, event);
    if (to === undefined) throw new Error(`delivery: event ${event} is not allowed for a request in state ${r.state}`);
    r.state = to;
  }

  private moveHost(h: FanoutHost<T>, event: FanoutHostEvent): void {
    const to = nextFanoutHostState(h.state, event);
    if (to === undefined)
      throw new Error(`delivery: event ${event} is not allowed for a fanout host in state ${h.state}`);
    h.state = to;
  }
}

/** The hosts not in `failed`, or all of them when every one has failed. */
function notFailed(hosts: readonly string[], failed: ReadonlySet<string>): readonly string[] {
  const fresh = hosts.filter((h) => !failed.has(h));
  return fresh.length > 0 ? fresh : hosts;
}
