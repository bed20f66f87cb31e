/**
 * Host health in the model of the delivery core (delivery-model.ts): what a caller can
 * tell of each host's circuit breaker (spec/delivery.md, "Host health") when the core is
 * built with `failureThreshold` 0, so that only hard failures open a host. The model does
 * not re-implement the breaker (it never computes a doubled cool-down); it keeps, per host:
 * - whether it is open: a hard failure (hostDown, either reason; no ACK after the resends,
 *   of a call, cast or fanout copy) and no sign of life since (an ACK that counts, a reply
 *   to a call last sent to it, with acks off an accepted send). These are exactly the hosts
 *   whose breaker is not closed: `core.unhealthyHosts` must equal them after every input;
 * - its probe: the one request picked to an open host after its cool-down, while it is out
 *   (sent, or waiting on the host for its ACK or reply);
 * - when it (re)opened, and so bounds of the end of its cool-down: it opens at a hard
 *   failure, at a soft failure while its probe is out (a failed send, an ACK timeout, a
 *   call or cast expiring while it waits on the host), and when its probe leaves it
 *   without a sign of life (settled otherwise, moved, back to waiting for hosts, stopped).
 *   The cool-down lasts at least `coolDownMs` and at most `maxCoolDownMs`, exactly
 *   `coolDownMs` while no probe was picked since the host last answered; a handshake
 *   (`hostUp`) of a host with no probe out ends it at once.
 * The rules: a call or cast is never picked to an open host before the end of its
 * cool-down at the earliest, nor while its probe is out; a request is refused (settled at
 * once, nothing sent, MessageDeliveryFailure "circuit open", retryable) only when every
 * candidate is open, none of them with no probe out past the end of its cool-down at the
 * latest.
 */
import assert from "node:assert/strict";
import { MessageDeliveryFailure, type DeliveryCore } from "../../src/internal.js";
import type { DeliveryModel } from "./delivery-model.js";
import { causeMatches, type MReq } from "./delivery-model-request.js";

/**
 * Core gap (spec/delivery.md, Invariants, host health): the core notices that a probe left
 * its host without an outcome only at the next pick that considers the host, and reopens
 * it from then, for a doubled cool-down; a handshake before that does nothing. A host
 * whose probe expired while its send was in flight (or whose send failed with
 * socket-timeout, host-removed or exhausted) is therefore refused long after the cool-down
 * that its probe's departure started has ended. While that is so, the model times a
 * probe's departure as the core does; set this to true to check the spec's rule again.
 */
export const PROBE_LEFT_REOPENS_AT_ONCE = true;

interface OpenHost {
  readonly host: string;
  /** No new pick before this time (the end of the cool-down at the earliest). */
  notBeforeMs: number;
  /** With no probe out, picks may not refuse it from this time on (the end of the cool-down at the latest). */
  allowedFromMs: number;
  /** The request picked as the host's probe, while it may still be out. */
  probe: string | undefined;
  /** A probe was picked since the host last answered: its cool-down may have doubled. */
  probed: boolean;
  /** Its probe left it without an outcome and the core has not looked at it since (PROBE_LEFT_REOPENS_AT_ONCE). */
  unnoticed: boolean;
  /** `HealthModel.seq` right after it last (re)opened: a failed send that left before that fails no probe. */
  countedSeq: number;
}

export class HealthModel {
  /** Hosts open in their breaker (tripped, no sign of life since), in no order. */
  readonly open = new Map<string, OpenHost>();
  /** Requests refused because every candidate was open. */
  refusals = 0;
  /** The errors of every failed send the breaker heard of, per host (a refusal may name one). */
  readonly sendErrors = new Map<string, Set<unknown>>();
  /**
   * Counts openings (the core's HostHealth counts them with its counted soft failures,
   * none with failureThreshold 0). A send records it when it leaves (`MReq.sentSeq`); a
   * failed send that left before its host last opened is not a failure of the probe that
   * followed (the core's rule: sends in flight together fail together, once).
   */
  private seq = 0;

  constructor(
    /** The breaker's first cool-down and its longest (a core built without a breaker: 1000 and 30000 ms). */
    readonly coolDownMs: number,
    readonly maxCoolDownMs: number,
  ) {}

  /** A hard failure of `host` at `nowMs`: it opens, its probe (if any) no longer one. */
  trip(host: string, nowMs: number): void {
    const h = this.open.get(host);
    if (h === undefined) {
      const until = nowMs + this.coolDownMs;
      const fresh = {
        notBeforeMs: until,
        allowedFromMs: until,
        probe: undefined,
        probed: false,
        unnoticed: false,
        countedSeq: ++this.seq,
      };
      this.open.set(host, { host, ...fresh });
    } else this.reopen(h, nowMs);
  }

  /** What a send leaving now records (see `seq`). */
  get sendSeq(): number {
    return this.seq;
  }

  /**
   * A soft failure of `host` at `nowMs`: it reopens the host while its probe is out (else
   * nothing: threshold 0). `sentSeq`: a failed send's `sendSeq` when it left; one that
   * left before the host last opened changes nothing.
   */
  soft(host: string, nowMs: number, error?: unknown, sentSeq?: number): void {
    if (error !== undefined) {
      const errors = this.sendErrors.get(host) ?? new Set<unknown>();
      errors.add(error);
      this.sendErrors.set(host, errors);
    }
    const h = this.open.get(host);
    if (h === undefined || (sentSeq !== undefined && sentSeq < h.countedSeq)) return;
    if (h.probe !== undefined || h.unnoticed) this.reopen(h, nowMs);
  }

  /** A sign of life from `host`: its breaker is closed. */
  alive(m: DeliveryModel, host: string): void {
    if (this.open.delete(host)) m.note("open host closed by a sign of life");
  }

  /** A completed handshake: an open host with no probe out may be probed at once. */
  up(m: DeliveryModel, host: string): void {
    const h = this.open.get(host);
    if (h === undefined) return;
    this.probeLeft(m, h);
    if (h.probe !== undefined || h.unnoticed) return;
    h.notBeforeMs = Math.min(h.notBeforeMs, m.nowMs);
    h.allowedFromMs = Math.min(h.allowedFromMs, m.nowMs);
    m.note("hostUp on an open host");
  }

  /** A call or cast picked `host`: not before its cool-down ended, not while its probe is out; it is then the probe. */
  picked(m: DeliveryModel, r: MReq, host: string): void {
    this.considered(m, r);
    const h = this.open.get(host);
    if (h === undefined) return;
    if (h.probe !== undefined)
      assert.fail(`${r.id} sent to ${host}, open in its breaker, while its probe ${h.probe} is out`);
    if (m.nowMs < h.notBeforeMs)
      assert.fail(`${r.id} sent at ${m.nowMs} to ${host}, open in its breaker until ${h.notBeforeMs} at least`);
    h.probe = r.id;
    h.probed = true;
    h.allowedFromMs = Infinity;
    m.note("probe after a cool-down");
  }

  /** After every input: probes that left their host without a sign of life reopen it; the open hosts are the core's. */
  check(m: DeliveryModel, core: DeliveryCore<null>): void {
    for (const h of this.open.values()) this.probeLeft(m, h);
    const unhealthy = core.unhealthyHosts;
    if (unhealthy.length !== this.open.size || !unhealthy.every((host) => this.open.has(host)))
      assert.fail(`the hosts not closed in their breaker are ${unhealthy}, the model's ${[...this.open.keys()]}`);
    if (core.stats.openRefusals !== this.refusals)
      assert.fail(`${core.stats.openRefusals} refusals counted, the model's ${this.refusals}`);
  }

  /**
   * `r` settled with `e` in the input that would have picked a host for it: every
   * candidate is open, and either its probe is out or its cool-down may not have ended.
   */
  checkRefusal(m: DeliveryModel, r: MReq, e: Error): void {
    assert.equal(r.phase, "waiting", `${r.id} refused while ${r.phase}`);
    assert.ok(m.nowMs >= r.notBeforeMs, `${r.id} refused while paused`);
    const hosts = this.considered(m, r);
    for (const host of hosts) {
      const h = this.open.get(host);
      if (h === undefined) assert.fail(`${r.id} refused although ${host}, one of its candidates, is not open`);
      if (h.probe === undefined && m.nowMs >= h.allowedFromMs)
        assert.fail(`${r.id} refused at ${m.nowMs} although ${host}'s cool-down ended by ${h.allowedFromMs}`);
    }
    assert.ok(e instanceof MessageDeliveryFailure && e.retryable, `${r.id} refused with ${e.name}, not retryable`);
    assert.equal(
      e.message,
      `${r.kind} ${r.id} to ${r.key}: every server it could go to is failing (circuit open): ${hosts.join(", ")}`,
    );
    assert.equal(e.host, hosts.length === 1 ? hosts[0] : undefined, `${r.id}'s refusal names the wrong host`);
    // The request's own last failure; without one, none or a failed send's error of one of
    // its candidates (the breaker remembers its hosts' last failed send, HostHealth.lastCause).
    const cause =
      r.lastCause !== undefined
        ? causeMatches(r.lastCause, e.cause)
        : e.cause === undefined || hosts.some((host) => this.sendErrors.get(host)?.has(e.cause) === true);
    assert.ok(cause, `${r.id}'s refusal has the wrong cause`);
    this.refusals++;
    m.note("refused: every host open");
  }

  /**
   * The candidates of a pick of `r` (the list it was offered, without the hosts it believes
   * dead, then without those that failed this round, while others are left), each of which
   * the core looks at when some host is not closed: a departed probe is noticed then.
   */
  private considered(m: DeliveryModel, r: MReq): readonly string[] {
    const list = r.offered;
    if (list === undefined) assert.fail(`${r.id} picked with no host list offered`);
    const hosts = narrow(
      narrow(list, (h) => !r.dead.has(h)),
      (h) => !r.failedRound.has(h),
    );
    for (const host of hosts) {
      const h = this.open.get(host);
      if (h === undefined) continue;
      this.probeLeft(m, h);
      if (h.unnoticed) this.reopen(h, m.nowMs);
    }
    return hosts;
  }

  /** The probe of `h` is no longer out (settled, moved, waiting for hosts, stopped): the host reopens now. */
  private probeLeft(m: DeliveryModel, h: OpenHost): void {
    if (h.probe === undefined) return;
    const p = m.requests.get(h.probe)!;
    const out =
      !p.settled &&
      p.host === h.host &&
      (p.phase === "sending" || p.phase === "awaiting-ack" || p.phase === "awaiting-reply");
    if (out) return;
    if (PROBE_LEFT_REOPENS_AT_ONCE) this.reopen(h, m.nowMs);
    else {
      h.probe = undefined;
      h.notBeforeMs = m.nowMs + this.coolDownMs;
      h.allowedFromMs = Infinity;
      h.unnoticed = true;
    }
  }

  /** `h` (re)opens at `nowMs`: for `coolDownMs` exactly while it was never probed, else for up to `maxCoolDownMs`. */
  private reopen(h: OpenHost, nowMs: number): void {
    h.notBeforeMs = Math.max(h.notBeforeMs, nowMs + this.coolDownMs);
    h.allowedFromMs = nowMs + (h.probed ? this.maxCoolDownMs : this.coolDownMs);
    h.probe = undefined;
    h.unnoticed = false;
    h.countedSeq = ++this.seq;
  }
}

/** The hosts of `hosts` that `keep` keeps, or `hosts` itself when it keeps none (the core's narrowing of candidates). */
function narrow(hosts: readonly string[], keep: (h: string) => boolean): readonly string[] {
  const kept = hosts.filter(keep);
  return kept.length > 0 ? kept : hosts;
}
