/**
 * Host health in the model of the delivery core (delivery-model.ts): what a caller can
 * tell of each host's circuit breaker (spec/delivery.md, "Host health") when the core is
 * built with `failureThreshold` 0, so that only hard failures open a host. The model does
 * not re-implement the breaker; it keeps, per host:
 * - whether it is open: a hard failure (hostDown, either reason; no ACK after the resends,
 *   of a call, cast or fanout copy) and no sign of life since (an ACK that counts, a reply
 *   to a call last sent to it, with acks off an accepted send). These are exactly the hosts
 *   whose breaker is not closed: `core.unhealthyHosts` must equal them after every input;
 * - a lower bound of the end of its cool-down: `coolDownMs` after its latest hard failure,
 *   or after its probe failed or left it (the cool-down only doubles); a handshake
 *   (`hostUp`) may end it at once;
 * - its probe: the one request picked to an open host after the cool-down, while it is out
 *   (sent, or waiting on the host for its ACK or reply). A soft failure of the host while
 *   a probe is out (a failed send, an ACK timeout, a call or cast expiring while it waits
 *   on the host) reopens it, as does a hard one;
 * - while no probe was picked since the host last answered, its cool-down is `coolDownMs`
 *   exactly, so the model knows when it ends.
 * The rules: a call or cast is never picked to an open host before the end of its
 * cool-down, nor while its probe is out; a request refused because every candidate is
 * open (settled at once, nothing sent, MessageDeliveryFailure "circuit open", retryable)
 * had only open candidates, none of whose cool-down is known to have ended.
 */
import assert from "node:assert/strict";
import { MessageDeliveryFailure, type DeliveryCore } from "../../src/internal.js";
import type { DeliveryModel } from "./delivery-model.js";
import { causeMatches, type MReq } from "./delivery-model-request.js";

interface OpenHost {
  /** No new pick before this time (the end of the cool-down at the earliest). */
  notBeforeMs: number;
  /** The cool-down's end exactly, while no probe was picked since the host last answered; else undefined. */
  exactUntilMs: number | undefined;
  /** The request picked as the host's probe, while it may still be out. */
  probe: string | undefined;
}

export class HealthModel {
  /** Hosts open in their breaker (tripped, no sign of life since), in no order. */
  readonly open = new Map<string, OpenHost>();
  /** Requests refused because every candidate was open. */
  refusals = 0;

  constructor(
    /** The breaker's first cool-down (a core built without a breaker: 1000 ms). */
    readonly coolDownMs: number,
  ) {}

  /** A hard failure of `host` at `nowMs`: open for at least a cool-down, its probe (if any) no longer one. */
  trip(host: string, nowMs: number): void {
    const h = this.open.get(host);
    if (h === undefined) {
      const until = nowMs + this.coolDownMs;
      this.open.set(host, { notBeforeMs: until, exactUntilMs: until, probe: undefined });
      return;
    }
    h.notBeforeMs = Math.max(h.notBeforeMs, nowMs + this.coolDownMs);
    if (h.exactUntilMs !== undefined) h.exactUntilMs = nowMs + this.coolDownMs;
    h.probe = undefined;
  }

  /** A soft failure of `host` at `nowMs`: it reopens the host when its probe is out (else nothing, threshold 0). */
  soft(host: string, nowMs: number): void {
    const h = this.open.get(host);
    if (h?.probe === undefined) return;
    h.probe = undefined;
    h.notBeforeMs = nowMs + this.coolDownMs;
  }

  /** A sign of life from `host`: its breaker is closed. */
  alive(m: DeliveryModel, host: string): void {
    if (this.open.delete(host)) m.note("open host closed by a sign of life");
  }

  /** A completed handshake: an open host may be probed at once (one being probed stays so). */
  up(m: DeliveryModel, host: string): void {
    const h = this.open.get(host);
    if (h === undefined) return;
    h.notBeforeMs = Math.min(h.notBeforeMs, m.nowMs);
    if (h.exactUntilMs !== undefined) h.exactUntilMs = Math.min(h.exactUntilMs, m.nowMs);
    m.note("hostUp on an open host");
  }

  /** A call or cast picked `host`: not before its cool-down ended, not while its probe is out; it is then the probe. */
  picked(m: DeliveryModel, r: MReq, host: string): void {
    const h = this.open.get(host);
    if (h === undefined) return;
    this.probeLeft(m, host, h);
    if (h.probe !== undefined)
      assert.fail(`${r.id} sent to ${host}, open in its breaker, while its probe ${h.probe} is out`);
    if (m.nowMs < h.notBeforeMs)
      assert.fail(`${r.id} sent at ${m.nowMs} to ${host}, open in its breaker until ${h.notBeforeMs} at least`);
    h.probe = r.id;
    h.exactUntilMs = undefined;
    m.note("probe after a cool-down");
  }

  /** After every input: probes that left their host without a sign of life reopen it; the open hosts are the core's. */
  check(m: DeliveryModel, core: DeliveryCore<null>): void {
    for (const [host, h] of this.open) this.probeLeft(m, host, h);
    assert.deepEqual(
      [...core.unhealthyHosts].sort(),
      [...this.open.keys()].sort(),
      "the hosts not closed in their breaker differ from the model's",
    );
    assert.equal(core.stats.openRefusals, this.refusals, "openRefusals differs from the model's refusals");
  }

  /**
   * `r` settled with `e` in the input that would have picked a host for it: every
   * candidate (the list it was offered, without hosts it believes dead or that failed this
   * round while others are left) is open and none is known to be past its cool-down.
   */
  checkRefusal(m: DeliveryModel, r: MReq, e: Error): void {
    const list = r.offered;
    if (list === undefined) assert.fail(`${r.id} refused with no host list offered`);
    assert.equal(r.phase, "waiting", `${r.id} refused while ${r.phase}`);
    assert.ok(m.nowMs >= r.notBeforeMs, `${r.id} refused while paused`);
    const hosts = narrow(
      narrow(list, (h) => !r.dead.has(h)),
      (h) => !r.failedRound.has(h),
    );
    for (const host of hosts) {
      const h = this.open.get(host);
      if (h === undefined) assert.fail(`${r.id} refused although ${host}, one of its candidates, is not open`);
      if (h.exactUntilMs !== undefined && m.nowMs >= h.exactUntilMs)
        assert.fail(`${r.id} refused at ${m.nowMs} although ${host}'s cool-down ended at ${h.exactUntilMs}`);
    }
    assert.ok(e instanceof MessageDeliveryFailure && e.retryable, `${r.id} refused with ${e.name}, not retryable`);
    assert.equal(
      e.message,
      `${r.kind} ${r.id} to ${r.key}: every server it could go to is failing (circuit open): ${hosts.join(", ")}`,
    );
    assert.equal(e.host, hosts.length === 1 ? hosts[0] : undefined, `${r.id}'s refusal names the wrong host`);
    assert.ok(causeMatches(r.lastCause, e.cause), `${r.id}'s refusal has the wrong cause`);
    this.refusals++;
    m.note("refused: every host open");
  }

  /** The probe of `host` is no longer out (settled, moved, waiting for hosts, stopped): the host reopened by now. */
  private probeLeft(m: DeliveryModel, host: string, h: OpenHost): void {
    if (h.probe === undefined) return;
    const p = m.requests.get(h.probe)!;
    const out =
      !p.settled &&
      p.host === host &&
      (p.phase === "sending" || p.phase === "awaiting-ack" || p.phase === "awaiting-reply");
    if (out) return;
    h.probe = undefined;
    h.notBeforeMs = m.nowMs + this.coolDownMs;
  }
}

/** The hosts of `hosts` that `keep` keeps, or `hosts` itself when it keeps none (the core's narrowing of candidates). */
function narrow(hosts: readonly string[], keep: (h: string) => boolean): readonly string[] {
  const kept = hosts.filter(keep);
  return kept.length > 0 ? kept : hosts;
}
