/**
 * The steps of acknowledged delivery in the delivery core (spec/delivery.md,
 * "Acknowledged delivery"): what an accepted send leads to, an ACK, the end of a wait for
 * one, and a host believed dead (failover: move, fail, or give a fanout's host up). The
 * core calls these through DeliveryFlows (delivery-flows.ts), whose steps they use for
 * waiting for hosts, failing and ending a fanout; each sign of life or failure of a host
 * goes to its health (host-health.ts). With acks off, `accepted` and `fanoutAccepted`
 * settle or deliver at once, and `hostDown` still applies the failover rule.
 */
import type { AckPolicy } from "./ack-policy.js";
import type { DeliveryFlows } from "./delivery-flows.js";
import { ackRetriesExhausted, fanoutHostDead, hostDeadError } from "./delivery-errors.js";
import type { ClientStats, DeliveryEffects, DeliveryRequest, HostDownReason, SendFailure } from "./delivery-request.js";
import type { FanoutHost, FanoutProgress } from "./fanout-progress.js";
import type { RequestBook } from "./request-book.js";

export class AckFlows<T> {
  constructor(
    private readonly out: DeliveryEffects<T>,
    private readonly book: RequestBook<T>,
    private readonly stats: ClientStats,
    /** Undefined when acks are off. */
    private readonly acks: AckPolicy | undefined,
    /** The other steps, and the time of the input being handled (`base.nowMs`). */
    private readonly base: DeliveryFlows<T>,
  ) {}

  /**
   * A call's or cast's send to its host was accepted by the host's connection. Acks off: a
   * cast is delivered, a call awaits its reply. Acks on: both wait for the host's ACK.
   */
  accepted(r: DeliveryRequest<T>): void {
    this.base.load?.accepted(r, this.base.nowMs); // balancing: the host's reply time starts
    const acks = this.acks;
    if (acks !== undefined) {
      r.copies++;
      r.wakeAtMs = acks.ackDueMs(r.copies, this.base.nowMs, r.deadlineMs);
      this.book.move(r, "sent");
      this.book.timeline.wakeAt(r.wakeAtMs, r);
    } else {
      this.base.health.ok(r.host!); // acks off: an accepted send is the host's sign of life
      if (r.kind === "cast") this.book.settle(r, "delivered", true, undefined);
      else this.book.move(r, "accepted");
    }
  }

  /** A fanout copy was accepted by `h`'s connection: delivered (acks off), or it waits for the ACK. */
  fanoutAccepted(r: DeliveryRequest<T>, progress: FanoutProgress<T>, h: FanoutHost<T>): void {
    const acks = this.acks;
    if (acks === undefined) {
      this.base.health.ok(h.host);
      progress.accept(h);
      this.base.hostEnded(r, progress);
      return;
    }
    progress.sent(h, acks.ackDueMs(h.copies + 1, this.base.nowMs, r.deadlineMs));
    this.book.timeline.wakeAt(h.untilMs, h);
  }

  /**
   * A resend to `r`'s host (a copy of it was accepted there before) failed to leave this
   * process. It counts as a copy lost on the way: `r` waits for an ACK as if it had been
   * sent, and the end of that wait resends again or believes the host dead. It never goes
   * to another host from here: the host may have the earlier copy, and only the failover
   * rule may move a request that a host accepted.
   */
  resendFailed(r: DeliveryRequest<T>, host: string, failure: SendFailure, error: unknown): void {
    r.lastCause = error;
    if (failure === "closed" || failure === "send-error")
      this.base.health.failed(host, this.base.nowMs, error, r.sentSeq);
    r.copies++;
    r.wakeAtMs = this.acks!.ackDueMs(r.copies, this.base.nowMs, r.deadlineMs);
    this.book.move(r, "sent");
    this.book.timeline.wakeAt(r.wakeAtMs, r);
  }

  /** An ACK of pending request `r` came from `host` (acks on): acknowledged, or stale (counted). */
  ackFrom(r: DeliveryRequest<T>, host: string): void {
    const progress = r.fanout;
    if (progress !== undefined) {
      const h = progress.ackable(host);
      if (h === undefined) this.stats.staleAcks++;
      else this.fanoutAcked(r, progress, h);
    } else if (r.host === host && (r.state === "awaiting-ack" || r.state === "sending")) this.acked(r, host);
    else this.stats.staleAcks++;
  }

  /**
   * `host` is believed dead (its connection dropped or missed its heartbeats, or the
   * matchmaker dropped it): it is tripped open, and every call or cast of `pending` waiting
   * on it for an ACK or a reply moves or fails, every fanout copy waiting for its ACK gives
   * it up. With acks off too: a call accepted by a connection that is gone will not get
   * its reply (the server routes it to a peer that left). `undelivered`: ids of requests
   * the host is known never to have received (proxy mode: every proxy refused to route
   * them); one of them whose only copy was that one moves like a failed send, whatever its
   * `failover`, unless it is addressed to one server.
   */
  hostDown(
    host: string,
    why: HostDownReason,
    pending: Iterable<DeliveryRequest<T>>,
    undelivered: readonly string[] = [],
  ): void {
    this.base.health.trip(host, this.base.nowMs);
    for (const r of pending) {
      const progress = r.fanout;
      if (progress !== undefined) {
        const h = progress.hosts.get(host);
        if (h?.state === "awaiting-ack") this.fanoutHostDead(r, progress, h, why);
      } else if (r.host === host && (r.state === "awaiting-ack" || r.state === "awaiting-reply")) {
        // Only a request not yet acknowledged can be one the host never got: with acks on, a
        // call awaiting its reply was ACKed (received), so it never moves by this rule, and
        // the request book may let its frames go (sendsOver).
        const neverReached =
          r.state === "awaiting-ack" && r.copies === 1 && r.failover !== "one-server" && undelivered.includes(r.id);
        this.hostDead(r, host, why, true, neverReached);
      }
    }
  }

  /** `host` acknowledged `r` (a call or cast it was sent to): a cast is delivered, a call awaits its reply. */
  private acked(r: DeliveryRequest<T>, host: string): void {
    this.base.health.ok(host);
    this.stats.acks++;
    if (r.kind === "cast") this.book.settle(r, "delivered", true, undefined);
    else this.book.move(r, "acked");
  }

  /** `host` acknowledged its copy of fanout `r`. */
  private fanoutAcked(r: DeliveryRequest<T>, progress: FanoutProgress<T>, h: FanoutHost<T>): void {
    this.base.health.ok(h.host);
    this.stats.acks++;
    progress.accept(h, "acked");
    this.base.hostEnded(r, progress);
  }

  /** The wait for a call's or cast's ACK ended: resend to the same host, or the host is believed dead. */
  ackTimedOut(r: DeliveryRequest<T>, acks: AckPolicy): void {
    const host = r.host!;
    r.failures++;
    this.base.health.failed(host, this.base.nowMs);
    if (r.retry !== null && r.failures > r.retry) this.base.fail(r, ackRetriesExhausted(r, host));
    else if (acks.mayResend(r.copies)) {
      this.stats.ackResends++;
      this.book.move(r, "resend");
      r.sentSeq = this.base.health.sendSeq;
      this.out.send(r, host);
    } else this.hostDead(r, host, "no-ack", false);
  }

  /**
   * The host of `r` (waiting for its ACK or its reply) is believed dead: `r` moves to
   * another host when it may (`failover` "move"; a move after a dropped connection counts
   * against `retry`, one after ACK timeouts was counted by the last of them), else fails
   * with MessageDeliveryFailure naming the host. Other requests avoid the host a while.
   */
  private hostDead(
    r: DeliveryRequest<T>,
    host: string,
    why: HostDownReason,
    countsAsRetry: boolean,
    neverReached = false,
  ): void {
    if (why === "no-ack") this.base.health.trip(host, this.base.nowMs);
    if (r.failover !== "move" && !neverReached) {
      this.base.fail(r, hostDeadError(r, host, why));
      return;
    }
    if (countsAsRetry) r.failures++;
    if (r.retry !== null && r.failures > r.retry) {
      this.base.fail(r, hostDeadError(r, host, why, true));
      return;
    }
    r.dead ??= new Set();
    r.dead.add(host);
    r.copies = 0;
    this.stats.failovers++;
    this.book.move(r, "move");
    this.base.waitForHosts(r);
  }

  /** The wait for a fanout copy's ACK ended: resend it to the host, or give the host up (believed dead). */
  fanoutAckTimedOut(h: FanoutHost<T>, acks: AckPolicy): void {
    const r = h.request;
    const progress = r.fanout!;
    if (acks.mayResend(h.copies)) {
      this.stats.ackResends++;
      progress.resend(h);
      this.out.send(r, h.host);
      return;
    }
    this.base.health.trip(h.host, this.base.nowMs);
    this.fanoutHostDead(r, progress, h, "no-ack");
  }

  /** A fanout's host is believed dead while its copy waits for the ACK: the host is given up. */
  private fanoutHostDead(
    r: DeliveryRequest<T>,
    progress: FanoutProgress<T>,
    h: FanoutHost<T>,
    why: HostDownReason,
  ): void {
    r.lastCause = fanoutHostDead(h.host, why, h.copies);
    progress.giveUp(h);
    this.base.hostEnded(r, progress);
  }
}
