/**
 * A model of request delivery for the model-based test of the delivery core
 * (delivery-core.model.test.ts), with acknowledged delivery off or on.
 *
 * The model does not re-implement the core's policy. It keeps what a caller could know
 * about each request (delivery-model-request.ts: its kind, deadline, retry, failover, the
 * host lists offered to it, its sends and their outcomes, the ACKs and host-down reports
 * given, the time) and follows the effects the core emits, checking that each one is legal
 * in that state. A change that has no effect of its own (a request going back to waiting
 * for hosts after its host was believed dead, a fanout copy given up after its ACK waits)
 * the model learns from the request's `state` (which the shell reads) and its fanout
 * progress (delivery-model-acks.ts), and checks that it was legal at that input. The
 * rules:
 * - lookup: only for a key with a request that needs hosts, never two at once per key;
 * - send: only of a pending request, to a host of the list it was offered; a call or cast
 *   has one send at a time; a new pick only from waiting for hosts (after a failed send or
 *   a move, never after a socket timeout, never before its pause ends), to a host neither failed this round nor believed dead by it when the
 *   list has one, never to a host it believes dead while another is listed; a fanout copy
 *   goes to each snapshot host once at a time, again only after a failed send and its pause;
 * - never twice on two servers: a call or cast whose failover is not "move" never goes to
 *   a second host after a send of it was accepted (or acknowledged), failed resends too;
 * - ACK waits (acks on): the n-th copy accepted by a host waits exactly ackTimeoutMs ×
 *   2^(n-1) for its ACK, or until the deadline: nothing follows from it earlier (a resend,
 *   a death), and it is not still waiting later; a resend goes only to the host whose wait
 *   ran out, at most ackResendsPerHost times per host; a resend that fails (any class)
 *   counts as a lost copy: the request waits for the next copy's ACK, on the same host;
 *   `retry` bounds every send after the first (failed sends, ACK timeouts and moves after
 *   a host reported down count; a failed resend does not, the ACK timeout after it does);
 * - believed dead: after hostDown of its host (at once, acks on or off) or after its
 *   resends ran out and the last wait ended; a "move" request waiting on it for an ACK or
 *   a reply then waits for hosts again (a move after hostDown counts against retry), any
 *   other call or cast settles with a MessageDeliveryFailure naming the host, not
 *   retryable; a fanout copy waiting for its ACK is given up;
 * - host health (delivery-model-health.ts): a call or cast is never picked to a host open
 *   in its breaker before its cool-down ended, nor while its probe is out; one refused
 *   because every candidate is open settles at once with the circuit-open error;
 * - settle: exactly once per request, right after its release; never after close (but
 *   the refusal of a request made after close); ok only for a call with its own reply's
 *   value, a cast after an accepted send (acks off) or an ACK from the host of its send in
 *   flight or accepted (acks on), a fanout accepted (acks off) or acknowledged (acks on)
 *   by every snapshot host; an error before the deadline only from a failed send, a
 *   reply, a fanout whose hosts all ended, a dead host, an ACK timeout past retry or a
 *   refusal (every candidate open); past the deadline the deadline error, its message
 *   and cause.
 * After every input: the request states agree with the model; the hosts not closed in
 * their breaker are the model's open hosts; nothing pending is past its deadline; a
 * request waiting for hosts has its key's lookup in flight, or the key's last lookup
 * found nothing less than an interval ago (no waiter is forgotten); the core's pending
 * count; nextWakeMs is later than now while something is pending, never later
 * than the earliest deadline, and undefined when nothing is; the deadline heap holds
 * exactly the pending requests, and nothing at all (no stale wake-up either) once none
 * is pending; sendsOver was said exactly for the pending calls awaiting their reply that
 * may not move, and no send follows it.
 */
import assert from "node:assert/strict";
import { TransportClosed, type DeliveryCore, type DeliveryRequest } from "../../src/internal.js";
import type { AckOptions } from "../../src/core/ack-policy.js";
import { newHost, type Fx, type Input, type MReq, type Recorder, type Seen } from "./delivery-model-request.js";
import { learnFanoutHosts, observe, onFanoutResend, onResend } from "./delivery-model-acks.js";
import { HealthModel } from "./delivery-model-health.js";
import {
  checkDeadlineError,
  checkFanoutIncomplete,
  checkHostDownError,
  checkNoAckError,
  checkOk,
} from "./delivery-model-settle.js";

/** The message of a refusal because every candidate host is open (delivery-model-health.ts checks the rest). */
const CIRCUIT_OPEN = ": every server it could go to is failing (circuit open): ";

export { Recorder, type Fx } from "./delivery-model-request.js";

export class DeliveryModel {
  nowMs = 0;
  closed = false;
  /** The input being handled (set by each command before it calls the core). */
  input: Input = { type: "other" };
  readonly requests = new Map<string, MReq>();
  readonly lookups = new Set<string>();
  /** When each key's latest lookup answered no host (or failed). */
  readonly emptyAtMs = new Map<string, number>();
  /** Hosts the matchmaker would answer, per key. */
  readonly registry = new Map<string, readonly string[]>();
  nextId = 0;
  /** Keys looked up by the input being handled (checked once the model has learned its changes). */
  private looked: string[] = [];
  /** What a caller can tell of each host's circuit breaker. */
  readonly health: HealthModel;

  constructor(
    readonly core: DeliveryCore<null>,
    readonly rec: Recorder,
    readonly intervalMs: number,
    /** The cause socketTimeoutCause(host) gives (the test's stand-in for the pool's error). */
    readonly socketCause: (host: string) => unknown,
    /** Acknowledged delivery's options; undefined: acks off. */
    readonly acks: AckOptions | undefined,
    /** The breaker's first and longest cool-downs (its failureThreshold is 0: hard failures only). */
    coolDown: { coolDownMs: number; maxCoolDownMs: number },
    /** How often each event the property must go through happened (shared by the runs of a property). */
    readonly seen: Map<Seen, number> = new Map(),
  ) {
    this.health = new HealthModel(coolDown.coolDownMs, coolDown.maxCoolDownMs);
  }

  note(event: Seen): void {
    this.seen.set(event, (this.seen.get(event) ?? 0) + 1);
  }

  pending(): MReq[] {
    return [...this.requests.values()].filter((r) => !r.settled);
  }

  handle(id: string): DeliveryRequest<null> {
    return this.rec.handles.get(id)!;
  }

  /** Whether `r` waits for hosts as far as the model can tell (not in flight, not paused, not stopped, not sent for good). */
  needsHosts(r: MReq): boolean {
    if (r.settled) return false;
    if (r.kind === "fanout") return r.snapshot === undefined;
    return r.phase === "waiting" && this.nowMs >= r.notBeforeMs;
  }

  /** `hosts` offered to `r` (at hand, or a lookup's answer while it waits); a fanout's become its snapshot. */
  offer(r: MReq, hosts: readonly string[]): void {
    if (r.kind !== "fanout") {
      r.offered = hosts;
      return;
    }
    r.snapshot = hosts;
    for (const h of hosts) r.hosts.set(h, newHost());
  }

  /** Follows the effects of one input; returns them. */
  apply(): Fx[] {
    const fx = this.rec.take();
    fx.forEach((e, i) => {
      if (e.type === "lookup") this.onLookup(e.key);
      else if (e.type === "send") this.onSend(e.id, e.host);
      else if (e.type === "release") {
        const r = this.requests.get(e.id);
        if (r === undefined) return; // a refusal after close
        assert.ok(!r.released, `${e.id} released twice`);
        r.released = true;
      } else if (e.type === "settle") {
        const prev = fx[i - 1];
        assert.ok(prev?.type === "release" && prev.id === e.id, `settle of ${e.id} not right after its release`);
        this.onSettle(e.id, e.ok, e.value);
      }
    });
    return fx;
  }

  private onLookup(key: string): void {
    assert.ok(!this.closed, "a lookup after close");
    assert.ok(!this.lookups.has(key), `a second lookup of ${key} while one is in flight`);
    this.lookups.add(key);
    this.looked.push(key);
  }

  private onSend(id: string, host: string): void {
    const r = this.requests.get(id)!;
    assert.ok(!this.closed && !r.settled, `a send of ${id}, which is settled`);
    assert.ok(!this.rec.sendsOverSaid.has(id), `a send of ${id} after the core said it would not be sent again`);
    if (r.kind === "fanout") this.onFanoutSend(r, host);
    else if (r.phase === "awaiting-ack") onResend(this, r, host);
    else this.onPick(r, host);
    r.sends++;
    r.sentTo.add(host);
    r.sending.add(host);
    r.unreported.delete(host); // the shell cannot tell two sends of one request to one host apart
  }

  /** A call's or cast's send from waiting for hosts: a host of its list, by the rules of rounds and dead hosts. */
  private onPick(r: MReq, host: string): void {
    const id = r.id;
    assert.notEqual(r.phase, "sending", `${id} has two sends in flight`);
    assert.notEqual(r.phase, "stopped", `${id} sent again after a socket timeout`);
    assert.equal(r.phase, "waiting", `${id} sent again after a send was accepted (${r.phase})`);
    assert.ok(this.nowMs >= r.notBeforeMs, `${id} sent at ${this.nowMs}, before its pause ended at ${r.notBeforeMs}`);
    assert.ok(
      this.input.type === "send" || this.input.type === "hostsKnown",
      `${id} picked a host in a ${this.input.type} input`,
    );
    const list = r.offered;
    if (list === undefined) assert.fail(`${id} sent to ${host} before any host list was offered to it`);
    assert.ok(list.includes(host), `${id} sent to ${host}, not in the list it was offered`);
    if (list.some((h) => !r.dead.has(h)))
      assert.ok(!r.dead.has(host), `${id} sent to ${host}, which it believes dead, although another host is listed`);
    if (list.some((h) => !r.failedRound.has(h) && !r.dead.has(h)))
      assert.ok(!r.failedRound.has(host), `${id} sent to ${host}, which failed this round, although others did not`);
    if (r.dead.size > 0) this.note("pick after a move");
    if (r.failover !== "move" && r.accepted.size > 0)
      assert.ok(
        r.accepted.has(host),
        `never twice on two servers: ${id} (${r.failover}) sent to ${host} after ${[...r.accepted]} accepted it`,
      );
    if (r.retry !== null)
      assert.ok(r.sends + 1 <= r.retry + 1, `${id} sent ${r.sends + 1} times with retry ${r.retry}`);
    this.health.picked(this, r, host);
    r.sentSeq = this.health.sendSeq;
    if (host !== r.host) {
      r.copies = 0;
      r.resends = 0;
    }
    r.host = host;
    r.phase = "sending";
  }

  private onFanoutSend(r: MReq, host: string): void {
    const id = r.id;
    const h = r.hosts.get(host);
    if (h === undefined) assert.fail(`fanout ${id} sent to ${host}, not in its snapshot`);
    if (h.phase === undefined)
      assert.ok(this.input.type === "send" || this.input.type === "hostsKnown", `fanout ${id} sent late to ${host}`);
    else if (h.phase === "paused") {
      assert.equal(this.input.type, "timer", `fanout ${id} resent to ${host} in a ${this.input.type} input`);
      assert.ok(this.nowMs >= h.notBeforeMs, `fanout ${id} resent to ${host} before its pause ended`);
    } else if (h.phase === "awaiting-ack") onFanoutResend(this, r, host, h);
    else assert.fail(`fanout ${id} sent to ${host} again (${h.phase}) without a failed send or an ACK timeout`);
    h.phase = "sending";
  }

  private onSettle(id: string, ok: boolean, value: unknown): void {
    const r = this.requests.get(id);
    if (r === undefined) {
      assert.ok(this.closed && !ok && value instanceof TransportClosed, "a settle of an unknown request");
      return;
    }
    assert.ok(!r.settled, `${id} settled twice`);
    if (r.kind === "fanout" && r.snapshot !== undefined) learnFanoutHosts(this, r, false);
    r.settled = true;
    r.outcome = { ok, value };
    if (ok) checkOk(this, r, value);
    else if (!(value instanceof Error)) assert.fail(`${id} rejected with a non-Error`);
    else if (this.closed) assert.ok(value instanceof TransportClosed, `${id} settled with ${value} at close`);
    else if (r.deadlineMs <= this.nowMs) {
      // A call or cast that waited on its host until its deadline is a soft failure of the host.
      if (r.kind !== "fanout" && (r.phase === "awaiting-ack" || r.phase === "awaiting-reply"))
        this.health.soft(r.host!, this.nowMs);
      checkDeadlineError(this, r, value);
    } else if (r.kind === "call" && r.reply !== undefined && !r.reply.ok)
      assert.equal(value, r.reply.value, `call ${id} settled with another error than its reply's`);
    else if (r.kind === "fanout") checkFanoutIncomplete(r, value);
    else if (value.message.includes(CIRCUIT_OPEN) && (this.input.type === "send" || this.input.type === "hostsKnown"))
      this.health.checkRefusal(this, r, value);
    else if (this.input.type === "outcome")
      assert.ok(r.mayFail, `${id} failed before its deadline without a failed send that allows it`);
    else if (this.input.type === "hostDown") checkHostDownError(this, r, value, this.input.host, this.input.why);
    else if (this.input.type === "timer") checkNoAckError(this, r, value);
    else assert.fail(`${id} failed before its deadline in a ${this.input.type} input`);
  }

  /** The invariants that hold after every input; first, what the input changed without an effect. */
  check(): void {
    const pending = this.pending();
    observe(this, pending);
    this.health.check(this, this.core);
    for (const key of this.looked)
      if (!pending.some((r) => r.key === key && this.needsHosts(r)))
        assert.fail(`a lookup of ${key}, which no request needs`);
    this.looked = [];
    assert.equal(this.core.pendingCount, pending.length, "the core's pending count differs from the model's");
    assert.equal(this.core.held.deadlines, pending.length, "the deadline heap holds a settled request");
    // Frames let go (sendsOver) exactly for the calls that await their reply and may not move.
    for (const r of pending)
      assert.equal(
        this.rec.sendsOverSaid.has(r.id),
        r.kind === "call" && r.failover !== "move" && r.phase === "awaiting-reply",
        `sendsOver of ${r.id} (${r.kind}, ${r.failover}, ${r.phase})`,
      );
    let firstDeadlineMs = Infinity;
    for (const r of pending) {
      if (r.deadlineMs <= this.nowMs)
        assert.fail(`${r.id} is still pending at ${this.nowMs}, its deadline ${r.deadlineMs}`);
      firstDeadlineMs = Math.min(firstDeadlineMs, r.deadlineMs);
      if (
        this.needsHosts(r) &&
        !this.lookups.has(r.key) &&
        this.nowMs >= (this.emptyAtMs.get(r.key) ?? -Infinity) + this.intervalMs
      )
        assert.fail(
          `${r.id} waits for the hosts of ${r.key} with no lookup in flight and none due within the interval`,
        );
    }
    const next = this.core.nextWakeMs();
    if (pending.length === 0) {
      assert.equal(next, undefined, "a wake-up is asked for with nothing pending");
      assert.deepEqual(this.core.held, { deadlines: 0, wakes: 0 }, "nothing pending, yet the timeline holds entries");
    } else {
      assert.ok(next !== undefined, "requests are pending but no wake-up is asked for");
      assert.ok(next > this.nowMs, "nextWakeMs is not later than now");
      assert.ok(next <= firstDeadlineMs, "the wake-up is later than a deadline");
    }
  }
}
