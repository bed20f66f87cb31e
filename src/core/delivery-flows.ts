/**
 * The decisions of the delivery core (delivery-core.ts), one method per step of a
 * request's flow (spec/delivery.md, "Flows"): sending a call or cast to the next host,
 * what follows its failed send, fanning out, ending a fanout, waiting for a key's hosts,
 * waking up, expiring and failing. The core checks its inputs and the time, then calls
 * these; they change the books and call the effects.
 */
import type { AckPolicy } from "./ack-policy.js";
import {
  ackRetriesExhausted,
  deadlineError,
  fanoutHostDead,
  fanoutIncomplete,
  hostDeadError,
  retriesExhausted,
} from "./delivery-errors.js";
import {
  DeliveryRequest,
  type ClientStats,
  type DeliveryEffects,
  type HostDownReason,
  type SendFailure,
} from "./delivery-request.js";
import type { Wake } from "./delivery-timeline.js";
import { FanoutHost, FanoutProgress } from "./fanout-progress.js";
import type { RequestBook } from "./request-book.js";
import type { RequestEvent } from "./request-states.js";
import { RoutingTable } from "./routing-table.js";
import { afterFailedSend, candidates, fanoutGivesUp } from "./send-rounds.js";

export class DeliveryFlows<T> {
  private readonly routing = new RoutingTable();
  /** The time of the input being handled (set by the core before anything runs). */
  nowMs = 0;

  constructor(
    private readonly out: DeliveryEffects<T>,
    private readonly book: RequestBook<T>,
    private readonly stats: ClientStats,
    private readonly intervalMs: number,
    /** The cause of the deadline error of a request waiting for `host`'s pooled socket. */
    private readonly socketTimeoutCause: ((host: string) => unknown) | undefined,
    /** Acknowledged delivery's policy; undefined when acks are off. */
    private readonly acks: AckPolicy | undefined,
  ) {}

  /** Call, cast: picks the next host of `hosts` (round robin among this round's candidates) and sends. */
  attempt(r: DeliveryRequest<T>, hosts: readonly string[], event: RequestEvent): void {
    r.wanted = hosts.length;
    r.hosts = hosts;
    const host = this.routing.pick(r.key, candidates(r, hosts, this.acks?.avoids(this.nowMs)));
    this.out.hostsSeen(r.key, hosts); // HostSync skips a list unchanged since the key's last report
    r.host = host;
    this.book.move(r, event);
    this.out.send(r, host);
  }

  /** A call's or cast's send to `host` failed: settle, stop (the deadline settles it, with this cause), retry or pause. */
  sendFailedOne(r: DeliveryRequest<T>, host: string, failure: SendFailure, error: unknown, nowMs: number): void {
    r.lastCause = error;
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

  /**
   * A call's or cast's send to its host was accepted by the host's connection. Acks off: a
   * cast is delivered, a call awaits its reply. Acks on: both wait for the host's ACK.
   */
  accepted(r: DeliveryRequest<T>): void {
    const acks = this.acks;
    if (acks !== undefined) {
      r.copies++;
      r.wakeAtMs = acks.ackDueMs(r.copies, this.nowMs, r.deadlineMs);
      this.book.move(r, "sent");
      this.book.timeline.wakeAt(r.wakeAtMs, r);
    } else if (r.kind === "cast") this.book.settle(r, "delivered", true, undefined);
    else this.book.move(r, "accepted");
  }

  /** A fanout copy was accepted by `h`'s connection: delivered (acks off), or it waits for the ACK. */
  fanoutAccepted(r: DeliveryRequest<T>, progress: FanoutProgress<T>, h: FanoutHost<T>): void {
    const acks = this.acks;
    if (acks === undefined) {
      progress.accept(h);
      this.hostEnded(r, progress);
      return;
    }
    progress.sent(h, acks.ackDueMs(h.copies + 1, this.nowMs, r.deadlineMs));
    this.book.timeline.wakeAt(h.untilMs, h);
  }

  /** `host` acknowledged `r` (a call or cast it was sent to): a cast is delivered, a call awaits its reply. */
  acked(r: DeliveryRequest<T>, host: string): void {
    this.acks?.clear(host);
    this.stats.acks++;
    if (r.kind === "cast") this.book.settle(r, "delivered", true, undefined);
    else this.book.move(r, "acked");
  }

  /** `host` acknowledged its copy of fanout `r`. */
  fanoutAcked(r: DeliveryRequest<T>, progress: FanoutProgress<T>, h: FanoutHost<T>): void {
    this.acks?.clear(h.host);
    this.stats.acks++;
    progress.accept(h, "acked");
    this.hostEnded(r, progress);
  }

  /** The wait for a call's or cast's ACK ended: resend to the same host, or the host is believed dead. */
  private ackTimedOut(r: DeliveryRequest<T>, acks: AckPolicy): void {
    const host = r.host!;
    r.failures++;
    if (r.retry !== null && r.failures > r.retry) this.fail(r, ackRetriesExhausted(r, host));
    else if (acks.mayResend(r.copies)) {
      this.stats.ackResends++;
      this.book.move(r, "resend");
      this.out.send(r, host);
    } else this.hostDead(r, host, "no-ack", false);
  }

  /**
   * The host of `r` (waiting for its ACK or its reply) is believed dead: `r` moves to
   * another host when it may (`failover` "move"; a move after a dropped connection counts
   * against `retry`, one after ACK timeouts was counted by the last of them), else fails
   * with MessageDeliveryFailure naming the host. Other requests avoid the host a while.
   */
  hostDead(r: DeliveryRequest<T>, host: string, why: HostDownReason, countsAsRetry: boolean): void {
    this.acks?.suspect(host, this.nowMs);
    if (r.failover !== "move") {
      this.fail(r, hostDeadError(r, host, why));
      return;
    }
    if (countsAsRetry) r.failures++;
    if (r.retry !== null && r.failures > r.retry) {
      this.fail(r, hostDeadError(r, host, why, true));
      return;
    }
    r.dead ??= new Set();
    r.dead.add(host);
    r.copies = 0;
    this.stats.failovers++;
    this.book.move(r, "move");
    this.waitForHosts(r);
  }

  /** The wait for a fanout copy's ACK ended: resend it to the host, or give the host up (believed dead). */
  private fanoutAckTimedOut(h: FanoutHost<T>, acks: AckPolicy): void {
    const r = h.request;
    const progress = r.fanout!;
    if (acks.mayResend(h.copies)) {
      this.stats.ackResends++;
      progress.resend(h);
      this.out.send(r, h.host);
      return;
    }
    acks.suspect(h.host, this.nowMs);
    this.fanoutHostDead(r, progress, h, "no-ack");
  }

  /** A fanout's host is believed dead while its copy waits for the ACK: the host is given up. */
  fanoutHostDead(r: DeliveryRequest<T>, progress: FanoutProgress<T>, h: FanoutHost<T>, why: HostDownReason): void {
    r.lastCause = fanoutHostDead(h.host, why, h.copies);
    progress.giveUp(h);
    this.hostEnded(r, progress);
  }

  /** Fanout: a copy to every host of the snapshot `hosts` at once; hosts registered later get none. */
  fanOut(r: DeliveryRequest<T>, hosts: readonly string[], event: RequestEvent): void {
    r.wanted = hosts.length;
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

  /** `r` joins its key's wait; the first waiter of a key with no lookup in flight starts one. */
  waitForHosts(r: DeliveryRequest<T>): void {
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
      if (w.state === "awaiting-ack") this.ackTimedOut(w, this.acks!);
      else {
        this.book.move(w, "resume");
        this.waitForHosts(w);
      }
    } else if (w instanceof FanoutHost) {
      if (w.state === "awaiting-ack") this.fanoutAckTimedOut(w, this.acks!);
      else {
        w.request.fanout!.resume(w);
        this.out.send(w.request, w.host);
      }
    } else if (this.book.waits.startPoll(w)) this.out.lookup(w.key);
  }

  /** The deadline passed: MessagingTimeout (call) or MessageDeliveryFailure (cast, fanout). */
  expire(r: DeliveryRequest<T>): void {
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
