/**
 * The decisions of the delivery core (delivery-core.ts), one method per step of a
 * request's flow (spec/delivery.md, "Flows"): sending a call or cast to the next host,
 * what follows its failed send, fanning out, ending a fanout, waiting for a key's hosts,
 * waking up, expiring and failing. The core checks its inputs and the time, then calls
 * these; they change the books and call the effects.
 */
import type { AckPolicy } from "./ack-policy.js";
import type { HostHealth } from "./host-health.js";
import { AckFlows } from "./ack-flows.js";
import type { Balancer } from "./balancing/balancer.js";
import type { Balancing } from "./balancing/balancing.js";
import type { HostLoad } from "./balancing/host-load.js";
import { allHostsOpen, deadlineError, fanoutIncomplete, retriesExhausted } from "./delivery-errors.js";
import { DeliveryRequest, type ClientStats, type DeliveryEffects, type SendFailure } from "./delivery-request.js";
import type { Wake } from "./delivery-timeline.js";
import { FanoutHost, FanoutProgress } from "./fanout-progress.js";
import type { RequestBook } from "./request-book.js";
import type { RequestEvent } from "./request-states.js";
import { afterFailedSend, candidates, fanoutGivesUp } from "./send-rounds.js";

export class DeliveryFlows<T> {
  /** Picks a call's or cast's host among its candidates (spec/balancing.md). */
  private readonly balancer: Balancer;
  /** The load tracker the strategy reads, if it reads one: kept up to date at send, failed send, move and settle. */
  readonly load: HostLoad | undefined;
  /** The time of the input being handled (set by the core before anything runs). */
  nowMs = 0;
  /** The steps of acknowledged delivery (ack-flows.ts). */
  readonly ack: AckFlows<T>;

  constructor(
    private readonly out: DeliveryEffects<T>,
    private readonly book: RequestBook<T>,
    private readonly stats: ClientStats,
    private readonly intervalMs: number,
    /** The cause of the deadline error of a request waiting for `host`'s pooled socket. */
    private readonly socketTimeoutCause: ((host: string) => unknown) | undefined,
    /** Acknowledged delivery's policy; undefined when acks are off. */
    private readonly acks: AckPolicy | undefined,
    /** Each host's circuit breaker: picks avoid open hosts. */
    readonly health: HostHealth,
    balancing: Balancing,
  ) {
    this.balancer = balancing.balancer;
    this.load = balancing.load;
    this.ack = new AckFlows(out, book, stats, acks, this);
    book.onProbeSettled = this.probeLeft;
  }

  /** An input at `nowMs` begins: every deadline and wake-up due by then runs, in time order (deadlines first at a tie). */
  runDue(nowMs: number): void {
    this.nowMs = nowMs;
    const timeline = this.book.timeline;
    for (let due = timeline.dueAt(nowMs); due !== undefined; due = timeline.dueAt(nowMs)) {
      if (due === "deadline") this.expire(timeline.takeDeadline());
      else this.wake(timeline.takeWake());
    }
  }

  /** A new request, booked: expired already, waiting for hosts, fanned out, or sent to a host of `hosts`. */
  start(r: DeliveryRequest<T>, hosts: readonly string[] | undefined): void {
    this.book.add(r);
    this.stats[r.kind === "call" ? "calls" : r.kind === "cast" ? "casts" : "fanouts"]++;
    if (r.deadlineMs <= this.nowMs) this.expire(r);
    else if (hosts === undefined || hosts.length === 0) {
      this.book.move(r, "needHosts");
      this.waitForHosts(r);
    } else if (r.kind === "fanout") this.fanOut(r, hosts, "fanOut");
    else this.attempt(r, hosts, "hostsAtHand");
  }

  /** A lookup of `key` found `hosts` (not empty): every request waiting for them goes on. */
  hostsFound(key: string, hosts: readonly string[]): void {
    const waiters = this.book.waits.found(key);
    if (waiters === undefined) return;
    for (const r of waiters) {
      if (r.kind === "fanout") this.fanOut(r, hosts, "fanOut");
      else this.attempt(r, hosts, "hosts");
    }
  }

  /** Call, cast: picks a host among this round's candidates of `hosts` (the balancer) and sends. */
  attempt(r: DeliveryRequest<T>, hosts: readonly string[], event: RequestEvent): void {
    if (r.probeOf !== undefined) this.probeLeft(r);
    r.hosts = hosts;
    let list = candidates(r, hosts);
    const health = this.health;
    if (health.filtering()) {
      list = list.filter((h) => health.allows(h, this.nowMs, this.probeOut));
      if (list.length === 0) {
        this.out.hostsSeen(r.key, hosts);
        this.refuseOpen(r, candidates(r, hosts));
        return;
      }
    }
    const host = this.balancer.pick(r.key, list);
    this.out.hostsSeen(r.key, hosts); // HostSync skips a list unchanged since the key's last report
    if (host !== r.host) r.copies = 0; // copies count per host
    r.host = host;
    if (health.filtering() && health.picked(host, r.id)) {
      r.probeOf = host;
      this.book.indexProbe(r); // probeOut finds it by id
    }
    this.load?.sent(r, host); // balancing: in flight on `host` from now
    this.book.move(r, event);
    r.sentSeq = health.sendSeq;
    this.out.send(r, host);
  }

  /**
   * Every candidate host is open or being probed: the request fails at once, as a circuit
   * breaker does, with nothing sent (retryable); a later request probes after the
   * cool-down. Waiting for the cool-down would hold every request of a dead server's
   * callers until their deadline, and tell them less.
   */
  private refuseOpen(r: DeliveryRequest<T>, hosts: readonly string[]): void {
    this.stats.openRefusals++;
    this.fail(r, allHostsOpen(r, hosts, this.health.lastCause(hosts)));
  }

  /** `r` leaves the host it was the probe of (sent elsewhere, or settled): without an outcome, the probe failed. */
  readonly probeLeft = (r: DeliveryRequest<T>): void => {
    this.health.probeLeft(r.probeOf!, r.id, this.nowMs);
    r.probeOf = undefined;
  };

  /** Whether request `id` (a half-open host's probe) still waits on `host`: sent, or waiting for its ACK or reply. */
  private readonly probeOut = (id: string, host: string): boolean => {
    const p = this.book.get(id);
    return (
      p !== undefined &&
      p.host === host &&
      (p.state === "sending" || p.state === "awaiting-ack" || p.state === "awaiting-reply")
    );
  };

  /** `host`'s connection accepted `r`'s frames (r pending); an outcome of a send no longer current is ignored. */
  sendAccepted(r: DeliveryRequest<T>, host: string): void {
    r.waitingForSocket = undefined;
    const progress = r.fanout;
    if (progress !== undefined) {
      const h = progress.sending(host);
      if (h !== undefined) this.ack.fanoutAccepted(r, progress, h);
    } else if (r.state === "sending" && r.host === host) this.ack.accepted(r);
  }

  /** The send of `r` (pending) to `host` failed; a resend of a copy `host` accepted before stays with it. */
  sendFailed(r: DeliveryRequest<T>, host: string, failure: SendFailure, error: unknown): void {
    r.waitingForSocket = undefined;
    const progress = r.fanout;
    if (progress !== undefined) this.fanoutSendFailed(r, progress, host, failure, error, this.nowMs);
    else if (r.state === "sending" && r.host === host) {
      if (r.copies > 0) this.ack.resendFailed(r, host, failure, error);
      else this.sendFailedOne(r, host, failure, error, this.nowMs);
    }
  }

  /** A call's or cast's send to `host` failed: settle, stop (the deadline settles it, with this cause), retry or pause. */
  sendFailedOne(r: DeliveryRequest<T>, host: string, failure: SendFailure, error: unknown, nowMs: number): void {
    r.lastCause = error;
    if (failure === "closed" || failure === "send-error") this.health.failed(host, nowMs, error, r.sentSeq);
    if (r.probeOf !== undefined) this.probeLeft(r); // any other failure leaves the host without an outcome
    this.load?.left(r); // balancing: no longer in flight on `host`
    const next = afterFailedSend(r, host, failure);
    if (next === "fail") this.fail(r, error);
    else if (next === "stop") this.book.move(r, "stop");
    else if (next === "retries-exhausted") this.fail(r, retriesExhausted(host, r.failures, error));
    else {
      this.stats.sendRetries++;
      if (next === "retry") {
        this.book.move(r, "retry");
        this.waitForHosts(r);
      } else {
        // A send that fails fast (a full queue) must not spin: pause before the next round.
        r.wakeAtMs = Math.min(nowMs + this.intervalMs, r.deadlineMs);
        this.book.move(r, "pause");
        this.book.timeline.wakeAt(r.wakeAtMs, r);
      }
    }
  }

  /** Fanout: a copy to every host of the snapshot `hosts` at once; hosts registered later get none. */
  fanOut(r: DeliveryRequest<T>, hosts: readonly string[], event: RequestEvent): void {
    r.hosts = hosts;
    this.book.move(r, event);
    this.out.hostsSeen(r.key, hosts);
    const progress = new FanoutProgress(r, hosts);
    r.fanout = progress;
    for (const h of progress.hosts.values()) this.out.send(r, h.host);
  }

  /** A fanout copy's send to `host` failed: the host is given up, or its copy goes again after a pause. */
  fanoutSendFailed(
    r: DeliveryRequest<T>,
    progress: FanoutProgress<T>,
    host: string,
    failure: SendFailure,
    error: unknown,
    nowMs: number,
  ): void {
    const h = progress.sending(host);
    if (h === undefined) return;
    r.lastCause = error;
    if (fanoutGivesUp(failure)) {
      progress.giveUp(h);
      this.hostEnded(r, progress);
    } else {
      progress.pause(h, Math.min(nowMs + this.intervalMs, r.deadlineMs));
      this.book.timeline.wakeAt(h.untilMs, h);
    }
  }

  /** A fanout host was delivered or given up; the last one to end settles the fanout. */
  hostEnded(r: DeliveryRequest<T>, progress: FanoutProgress<T>): void {
    if (!progress.ended) return;
    if (progress.delivered === r.wanted) this.book.settle(r, "complete", true, undefined);
    else {
      this.stats.deliveryFailures++;
      this.book.settle(r, "incomplete", false, fanoutIncomplete(r));
    }
  }

  /** `r` joins its key's wait (on no host: a move leaves its host); the first waiter of a key with no lookup in flight starts one. */
  waitForHosts(r: DeliveryRequest<T>): void {
    this.load?.left(r); // balancing
    if (this.book.join(r)) this.out.lookup(r.key);
  }

  /** A lookup of `key` found nothing: look again now (asked for meanwhile) or at the next poll. */
  noHosts(key: string, nowMs: number): void {
    const next = this.book.waits.empty(key, nowMs);
    if (next === "lookup") this.out.lookup(key);
    else if (next !== undefined) this.book.timeline.wakeAt(next.pollAtMs, next);
  }

  /**
   * A wake-up is due: a paused call or cast waits for hosts again, a paused fanout copy is
   * resent, a wait for an ACK ends, a key is polled.
   */
  wake(w: Wake<T>): void {
    if (w instanceof DeliveryRequest) {
      if (w.state === "awaiting-ack") this.ack.ackTimedOut(w, this.acks!);
      else {
        this.book.move(w, "resume");
        this.waitForHosts(w);
      }
    } else if (w instanceof FanoutHost) {
      if (w.state === "awaiting-ack") this.ack.fanoutAckTimedOut(w, this.acks!);
      else {
        w.request.fanout!.resume(w);
        this.out.send(w.request, w.host);
      }
    } else if (this.book.waits.startPoll(w)) this.out.lookup(w.key);
  }

  /** The deadline passed: MessagingTimeout (call) or MessageDeliveryFailure (cast, fanout). */
  expire(r: DeliveryRequest<T>): void {
    // A request that waited on its host until the deadline counts as that host's failure.
    if (r.host !== undefined && (r.state === "awaiting-reply" || r.state === "awaiting-ack"))
      this.health.failed(r.host, this.nowMs);
    const socket = r.waitingForSocket;
    const cause = socket !== undefined && this.socketTimeoutCause ? this.socketTimeoutCause(socket) : r.lastCause;
    if (r.kind === "call") this.stats.timeouts++;
    else this.stats.deliveryFailures++;
    this.book.settle(r, "expire", false, deadlineError(r, cause));
  }

  /** Settles `r` with `error` before its deadline. */
  fail(r: DeliveryRequest<T>, error: unknown): void {
    if (r.kind !== "call") this.stats.deliveryFailures++;
    this.book.settle(r, "fail", false, error instanceof Error ? error : new Error(String(error)));
  }
}
