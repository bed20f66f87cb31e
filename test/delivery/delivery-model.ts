/**
 * A simple model of request delivery for the model-based test of the delivery core
 * (delivery-core.model.test.ts).
 *
 * The model does not re-implement the core's policy. It keeps what a caller could know
 * about each request (its kind, deadline, retry, the host lists offered to it, its sends
 * and their outcomes) and follows the effects the core emits, checking that each one is
 * legal in that state:
 * - a lookup only for a key with a request that needs hosts, never two at once per key;
 * - a send only for a pending request, to a host of the list it was offered; a call or
 *   cast has one send at a time, resends only after a failed send (never after an
 *   accepted one, never after a socket timeout), avoids hosts that failed this round when
 *   the list has others, and never before its pause ends; a fanout copy goes to each host
 *   of its snapshot once at a time, again only after a failed send and its pause;
 * - settle exactly once per request, right after its release; never after close (but the
 *   refusal of a request made after close); an ok result only for a cast after an
 *   accepted send, a call with its own reply's value, a fanout accepted by every host;
 *   a request past its deadline settles with the deadline error, its message and cause.
 * After every input it checks: nothing pending is past its deadline; a request waiting
 * for hosts has its key's lookup in flight, or the key's last lookup found nothing less
 * than an interval ago (no waiter is forgotten); the core's pending count; and that
 * nextWakeMs is later than now while something is pending (undefined when nothing is).
 */
import assert from "node:assert/strict";
import {
  MatchmakerUnavailable,
  MessageDeliveryFailure,
  MessagingTimeout,
  TransportClosed,
  type DeliveryCore,
  type DeliveryEffects,
  type DeliveryRequest,
  type RequestKind,
} from "../../src/internal.js";

export type Fx =
  | { type: "lookup"; key: string }
  | { type: "send"; id: string; host: string }
  | { type: "hostsSeen"; key: string; hosts: readonly string[] }
  | { type: "release"; id: string }
  | { type: "settle"; id: string; ok: boolean; value: unknown };

/** The effects sink: records every effect, and the core's request handles by id. */
export class Recorder implements DeliveryEffects<null> {
  fx: Fx[] = [];
  readonly handles = new Map<string, DeliveryRequest<null>>();
  lookup(key: string): void {
    this.fx.push({ type: "lookup", key });
  }
  send(r: DeliveryRequest<null>, host: string): void {
    this.handles.set(r.id, r);
    this.fx.push({ type: "send", id: r.id, host });
  }
  hostsSeen(key: string, hosts: readonly string[]): void {
    this.fx.push({ type: "hostsSeen", key, hosts });
  }
  release(r: DeliveryRequest<null>): void {
    this.fx.push({ type: "release", id: r.id });
  }
  settle(r: DeliveryRequest<null>, ok: boolean, value: unknown): void {
    this.fx.push({ type: "settle", id: r.id, ok, value });
  }
  take(): Fx[] {
    const out = this.fx;
    this.fx = [];
    return out;
  }
}

export interface MReq {
  readonly id: string;
  readonly kind: RequestKind;
  readonly key: string;
  readonly deadlineMs: number;
  readonly retry: number | null;
  settled: boolean;
  released: boolean;
  outcome?: { ok: boolean; value: unknown };
  /** The latest host list offered to it (at hand, or a lookup answer while it needed hosts). */
  offered: readonly string[] | undefined;
  /** Fanout: the snapshot its copies go to. */
  snapshot: readonly string[] | undefined;
  /** Hosts with a send outstanding. */
  sending: Set<string>;
  accepted: Set<string>;
  givenUp: Set<string>;
  /** Call, cast: failed sends counted against retry; hosts failed this round. */
  failures: number;
  failedRound: Set<string>;
  /** A socket timeout: no send any more. */
  stopped: boolean;
  /** No send before (call, cast), or per host (fanout). */
  notBeforeMs: number;
  hostNotBefore: Map<string, number>;
  lastCause: unknown;
  waitingForSocket: string | undefined;
  /** The send outcome being reported may settle it with an error (exhausted, past retry). */
  mayFail?: boolean;
  /** The value of the reply the test gave it (call). */
  reply?: { ok: boolean; value: unknown };
}

export class DeliveryModel {
  nowMs = 0;
  closed = false;
  readonly requests = new Map<string, MReq>();
  readonly lookups = new Set<string>();
  /** When each key's latest lookup answered no host (or failed). */
  readonly emptyAtMs = new Map<string, number>();
  /** Hosts the matchmaker would answer, per key. */
  readonly registry = new Map<string, readonly string[]>();
  nextId = 0;

  constructor(
    readonly core: DeliveryCore<null>,
    readonly rec: Recorder,
    readonly intervalMs: number,
    /** The cause socketTimeoutCause(host) gives (the test's stand-in for the pool's error). */
    readonly socketCause: (host: string) => unknown,
  ) {}

  pending(): MReq[] {
    return [...this.requests.values()].filter((r) => !r.settled);
  }

  /** Whether `r` waits for hosts as far as the model can tell (nothing in flight, not paused, not stopped, not sent for good). */
  needsHosts(r: MReq): boolean {
    if (r.settled || r.sending.size > 0 || r.stopped || this.nowMs < r.notBeforeMs) return false;
    if (r.kind === "fanout") return r.snapshot === undefined;
    return r.accepted.size === 0;
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
    assert.ok(
      this.pending().some((r) => r.key === key && this.needsHosts(r)),
      `a lookup of ${key}, which no request needs`,
    );
    this.lookups.add(key);
  }

  private onSend(id: string, host: string): void {
    const r = this.requests.get(id)!;
    assert.ok(!this.closed && !r.settled, `a send of ${id}, which is settled`);
    if (r.kind === "fanout") {
      assert.ok(r.snapshot?.includes(host), `fanout ${id} sent to ${host}, not in its snapshot`);
      assert.ok(
        !r.sending.has(host) && !r.accepted.has(host) && !r.givenUp.has(host),
        `fanout ${id} sent to ${host} again without a failed send`,
      );
      assert.ok(
        this.nowMs >= (r.hostNotBefore.get(host) ?? 0),
        `fanout ${id} resent to ${host} before its pause ended`,
      );
    } else {
      assert.equal(r.sending.size, 0, `${id} has two sends in flight`);
      assert.equal(r.accepted.size, 0, `${id} sent again after a send was accepted`);
      assert.ok(!r.stopped, `${id} sent again after a socket timeout`);
      assert.ok(this.nowMs >= r.notBeforeMs, `${id} sent at ${this.nowMs}, before its pause ended at ${r.notBeforeMs}`);
      const list = r.offered;
      if (list === undefined) assert.fail(`${id} sent to ${host} before any host list was offered to it`);
      assert.ok(list.includes(host), `${id} sent to ${host}, not in the list it was offered`);
      if (list.some((h) => !r.failedRound.has(h)))
        assert.ok(!r.failedRound.has(host), `${id} sent to ${host}, which failed this round, although others did not`);
    }
    r.sending.add(host);
  }

  private onSettle(id: string, ok: boolean, value: unknown): void {
    const r = this.requests.get(id);
    if (r === undefined) {
      assert.ok(this.closed && !ok && value instanceof TransportClosed, "a settle of an unknown request");
      return;
    }
    assert.ok(!r.settled, `${id} settled twice`);
    r.settled = true;
    r.outcome = { ok, value };
    if (ok) {
      assert.ok(this.nowMs < r.deadlineMs, `${id} settled ok at or after its deadline`);
      if (r.kind === "call")
        assert.ok(r.reply?.ok && r.reply.value === value, `call ${id} settled ok without its reply`);
      else if (r.kind === "cast") assert.ok(r.accepted.size === 1, `cast ${id} settled ok with no send accepted`);
      else
        assert.ok(
          r.snapshot !== undefined && r.snapshot.length > 0 && r.accepted.size === r.snapshot.length,
          `fanout ${id} settled ok but ${r.accepted.size} of ${r.snapshot?.length} hosts accepted it`,
        );
      return;
    }
    assert.ok(value instanceof Error, `${id} rejected with a non-Error`);
    if (this.closed) {
      assert.ok(value instanceof TransportClosed, `${id} settled with ${value} at close`);
      return;
    }
    if (r.deadlineMs <= this.nowMs) {
      this.checkDeadlineError(r, value);
      return;
    }
    if (r.kind === "call" && r.reply !== undefined && !r.reply.ok) {
      assert.equal(value, r.reply.value, `call ${id} settled with another error than its reply's`);
      return;
    }
    // Before the deadline an error comes from a failed send (the command that reports it
    // checks which error) or, for a fanout, from the last host ending with some given up.
    if (r.kind !== "fanout")
      assert.ok(r.mayFail, `${id} failed before its deadline without a failed send that allows it`);
    else {
      assert.ok(
        r.snapshot?.every((h) => r.accepted.has(h) || r.givenUp.has(h)),
        `fanout ${id} failed with copies in flight or paused`,
      );
      assert.ok(r.givenUp.size > 0, `fanout ${id} failed before its deadline with no host given up`);
      assert.equal(
        (value as Error).message,
        `fanout ${id} to ${r.key} reached ${r.accepted.size} of ${r.snapshot!.length} servers`,
      );
    }
  }

  private checkDeadlineError(r: MReq, e: Error): void {
    const cause = r.waitingForSocket !== undefined ? this.socketCause(r.waitingForSocket) : r.lastCause;
    const why = cause instanceof MatchmakerUnavailable ? " (matchmaker unavailable)" : "";
    if (r.kind === "call") {
      assert.ok(e instanceof MessagingTimeout, `call ${r.id} timed out with ${e.name}`);
      assert.equal(e.message, `Timeout while waiting on RPC response for message ${r.id} to ${r.key}${why}`);
    } else {
      assert.ok(e instanceof MessageDeliveryFailure, `${r.kind} ${r.id} expired with ${e.name}`);
      const everOffered = r.kind === "fanout" ? r.snapshot !== undefined : r.offered !== undefined;
      const detail = !everOffered
        ? " (no server available)"
        : r.kind === "fanout"
          ? ` (${r.accepted.size} of ${r.snapshot!.length} servers reached)`
          : " (every send failed)";
      assert.equal(
        e.message,
        `${r.kind} ${r.id} to ${r.key} could not be delivered before its deadline${detail}${why}`,
      );
    }
    assert.equal(e.cause, cause, `${r.id}'s deadline error has the wrong cause`);
  }

  /** The invariants that hold after every input. */
  check(): void {
    const pending = this.pending();
    for (const r of pending)
      assert.ok(r.deadlineMs > this.nowMs, `${r.id} is still pending at ${this.nowMs}, its deadline ${r.deadlineMs}`);
    assert.equal(this.core.pendingCount, pending.length, "the core's pending count differs from the model's");
    for (const r of pending)
      if (this.needsHosts(r) && !this.lookups.has(r.key))
        assert.ok(
          this.nowMs < (this.emptyAtMs.get(r.key) ?? -Infinity) + this.intervalMs,
          `${r.id} waits for the hosts of ${r.key} with no lookup in flight and none due within the interval`,
        );
    const next = this.core.nextWakeMs();
    if (pending.length === 0) assert.equal(next, undefined, "a wake-up is asked for with nothing pending");
    else {
      assert.ok(next !== undefined, "requests are pending but no wake-up is asked for");
      assert.ok(next > this.nowMs, `nextWakeMs ${next} is not later than now (${this.nowMs})`);
      assert.ok(next <= Math.min(...pending.map((r) => r.deadlineMs)), "the wake-up is later than a deadline");
    }
  }
}
