/**
 * Acknowledged delivery and hosts reported down in the model of the delivery core
 * (delivery-model.ts): resends after an ACK wait ran out, what an ACK or a host reported
 * down changes, predicted before the core is told, and the changes without an effect of
 * their own, learned after each input from the request's `state` (which the shell reads)
 * and its fanout progress (`DeliveryRequest.fanout`, which the core exposes to tests and
 * diagnostics) and checked to be legal then:
 * - a call or cast waiting for an ACK or a reply from a host reported down moves back to
 *   waiting for hosts ("move", counted against retry) or settles at once (any other), acks
 *   on or off;
 * - at a timer, a call or cast whose ACK wait ran out and whose host had its resends moves
 *   ("move"; counted against retry); a fanout copy in that case is given up; the host is
 *   then open in its breaker (delivery-model-health.ts);
 * - a copy still waiting for its ACK has not waited its full wait yet: the n-th copy to a
 *   host waits ackTimeoutMs × 2^(n-1) after it was accepted, or after its resend failed
 *   (or until the deadline).
 */
import assert from "node:assert/strict";
import type { DeliveryModel } from "./delivery-model.js";
import { DeadHostCause, type MHost, type MReq } from "./delivery-model-request.js";

/** `host` is reported down: it is open in its breaker; marks what it affects (before the core is told). */
export function predictHostDown(m: DeliveryModel, host: string, why: "disconnected"): MReq[] {
  if (m.closed) return [];
  m.health.trip(host, m.nowMs);
  const affected: MReq[] = [];
  for (const r of m.pending()) {
    if (r.kind === "fanout") {
      const h = r.hosts.get(host);
      if (h?.phase !== "awaiting-ack") continue;
      h.phase = "given-up";
      m.note("fanout copy given up after hostDown");
      r.lastCause = new DeadHostCause([host], why);
      affected.push(r);
    } else if (r.host === host && (r.phase === "awaiting-ack" || r.phase === "awaiting-reply")) {
      r.downBy = host;
      affected.push(r);
    }
  }
  return affected;
}

/** Whether `host`'s ACK of `id` acknowledges a pending request (else it is stale); marks what it changes. */
export function predictAck(m: DeliveryModel, id: string, host: string): boolean {
  const r = m.requests.get(id);
  if (m.acks === undefined || m.closed || r === undefined || r.settled) return false;
  let inFlight: boolean;
  if (r.kind === "fanout") {
    const h = r.hosts.get(host);
    if (h?.phase !== "sending" && h?.phase !== "awaiting-ack") return false;
    inFlight = h.phase === "sending";
    h.phase = "delivered";
  } else {
    if (r.host !== host || (r.phase !== "sending" && r.phase !== "awaiting-ack")) return false;
    inFlight = r.phase === "sending";
    r.ackedBy = host;
    r.phase = "awaiting-reply"; // a cast settles
  }
  r.accepted.add(host);
  m.health.alive(m, host);
  m.note(inFlight ? "ACK of a copy in flight" : "ACK of an accepted copy");
  if (inFlight) {
    r.sending.delete(host);
    r.unreported.add(host);
  }
  return true;
}

/** Each pending request's state agrees with the model, but for the changes without effects, which must be legal. */
export function observe(m: DeliveryModel, pending: readonly MReq[]): void {
  for (const r of pending) {
    const state = m.handle(r.id).state;
    if (r.kind === "fanout") {
      if (state !== (r.snapshot === undefined ? "waiting-for-hosts" : "fanning-out"))
        assert.fail(`fanout ${r.id} is ${state}`);
      if (r.snapshot !== undefined) learnFanoutHosts(m, r);
    } else if (r.downBy !== undefined) movedAfterHostDown(m, r, state);
    else if (r.phase === "awaiting-ack" && state === "waiting-for-hosts") movedAfterNoAck(m, r);
    else {
      const expected = r.phase === "waiting" ? (m.nowMs < r.notBeforeMs ? "paused" : "waiting-for-hosts") : r.phase;
      if (state !== expected) assert.fail(`${r.id} is ${state}, the model has ${r.phase}`);
      if (r.phase === "awaiting-ack") checkAckWaitOn(m, r.id, r.host!, r.acceptedAtMs, r.copies);
    }
  }
}

/** `r`'s host was reported down while `r` waited for its ACK or reply, and `r` did not settle: it moved. */
function movedAfterHostDown(m: DeliveryModel, r: MReq, state: string): void {
  const host = r.downBy!;
  r.downBy = undefined;
  assert.equal(r.failover, "move", `${r.id} (${r.failover}) outlived ${host}'s death: it must settle at once`);
  assert.equal(state, "waiting-for-hosts", `${r.id} did not move away from ${host}, reported down`);
  r.failures++;
  assert.ok(r.retry === null || r.failures <= r.retry, `${r.id} moved past its retry ${r.retry}`);
  m.note("moved after hostDown");
  moved(r, host);
}

/** `r` went back to waiting for hosts at a timer while it waited for an ACK: its host is believed dead. */
function movedAfterNoAck(m: DeliveryModel, r: MReq): void {
  const host = r.host!;
  assert.equal(m.input.type, "timer", `${r.id} left ${host} in a ${m.input.type} input`);
  assert.equal(r.failover, "move", `${r.id} (${r.failover}) moved away from ${host}`);
  checkAckWaitOver(m, `${r.id} on ${host}`, r.acceptedAtMs, r.copies);
  const resends = m.acks!.ackResendsPerHost;
  assert.ok(r.resends >= resends, `${r.id} believed ${host} dead after ${r.resends} of ${resends} resends`);
  m.health.soft(host, m.nowMs);
  m.health.trip(host, m.nowMs);
  r.failures++;
  assert.ok(r.retry === null || r.failures <= r.retry, `${r.id} moved past its retry ${r.retry}`);
  m.note("moved after no ACK");
  moved(r, host);
}

function moved(r: MReq, host: string): void {
  r.dead.add(host);
  r.phase = "waiting";
  r.copies = 0;
  r.resends = 0;
}

/** A fanout's hosts agree with the model, but for copies given up after their ACK waits ran out. */
export function learnFanoutHosts(m: DeliveryModel, r: MReq, pending = true): void {
  const progress = m.handle(r.id).fanout;
  if (progress === undefined) assert.fail(`fanout ${r.id} has a snapshot but no progress`);
  const givenUp: string[] = [];
  for (const [host, h] of r.hosts) {
    const state = progress.hosts.get(host)?.state;
    if (state === h.phase) {
      if (state === "awaiting-ack" && pending) checkAckWaitOn(m, r.id, host, h.acceptedAtMs, h.copies);
      continue;
    }
    assert.ok(
      h.phase === "awaiting-ack" && state === "given-up",
      `fanout ${r.id}'s copy to ${host} is ${state}, the model has ${h.phase}`,
    );
    givenUpAfterNoAck(m, r, host, h);
    givenUp.push(host);
  }
  if (givenUp.length > 0) r.lastCause = new DeadHostCause(givenUp, "no-ack");
}

function givenUpAfterNoAck(m: DeliveryModel, r: MReq, host: string, h: MHost): void {
  assert.equal(m.input.type, "timer", `fanout ${r.id} gave ${host} up in a ${m.input.type} input`);
  checkAckWaitOver(m, `fanout ${r.id} on ${host}`, h.acceptedAtMs, h.copies);
  const resends = m.acks!.ackResendsPerHost;
  assert.ok(h.resends >= resends, `fanout ${r.id} gave ${host} up after ${h.resends} of ${resends} resends`);
  m.health.trip(host, m.nowMs);
  h.phase = "given-up";
  m.note("fanout copy given up after no ACK");
}

/** A call's or cast's send while it waits for an ACK: a resend to the same host, once its wait ran out. */
export function onResend(m: DeliveryModel, r: MReq, host: string): void {
  const a = m.acks!;
  assert.equal(m.input.type, "timer", `${r.id} resent in a ${m.input.type} input, not at an ACK timeout`);
  assert.equal(host, r.host, `${r.id} resent to ${host}, not to ${r.host} whose ACK it waits for`);
  checkAckWaitOver(m, `${r.id} on ${host}`, r.acceptedAtMs, r.copies);
  assert.ok(r.resends < a.ackResendsPerHost, `${r.id} resent to ${host} more than ${a.ackResendsPerHost} times`);
  r.failures++;
  assert.ok(r.retry === null || r.failures <= r.retry, `${r.id} resent past its retry ${r.retry}`);
  assert.ok(r.retry === null || r.sends + 1 <= r.retry + 1, `${r.id} sent ${r.sends + 1} times with retry ${r.retry}`);
  m.health.soft(host, m.nowMs);
  r.sentSeq = m.health.sendSeq; // the resend leaves after the ACK timeout counted
  r.resends++;
  m.note("resend");
  r.phase = "sending";
}

/** A fanout copy sent again while it waits for its ACK: once its wait ran out, at most ackResendsPerHost times. */
export function onFanoutResend(m: DeliveryModel, r: MReq, host: string, h: MHost): void {
  const a = m.acks!;
  assert.equal(m.input.type, "timer", `fanout ${r.id} resent to ${host} in a ${m.input.type} input`);
  checkAckWaitOver(m, `fanout ${r.id} on ${host}`, h.acceptedAtMs, h.copies);
  assert.ok(h.resends < a.ackResendsPerHost, `fanout ${r.id} resent to ${host} more than ${a.ackResendsPerHost} times`);
  h.resends++;
  m.note("fanout resend");
}

/** When the wait for the ACK of the `copies`-th copy to a host, begun at `fromMs`, ends (unless the deadline comes first). */
function ackWaitEndsMs(m: DeliveryModel, fromMs: number, copies: number): number {
  return fromMs + m.acks!.ackTimeoutMs * 2 ** (copies - 1);
}

/** The wait for the ACK of the `copies`-th copy, begun at `fromMs`, may not end before ackTimeoutMs × 2^(copies-1). */
export function checkAckWaitOver(m: DeliveryModel, what: string, fromMs: number, copies: number): void {
  assert.ok(copies >= 1, `${what}: an ACK wait ended with no copy accepted`);
  const endsMs = ackWaitEndsMs(m, fromMs, copies);
  assert.ok(m.nowMs >= endsMs, `${what}: the wait for copy ${copies}'s ACK ended at ${m.nowMs}, before ${endsMs}`);
}

/** A copy still waiting for its ACK: its wait has not run out (the timer fires on time, so it ends when due). */
export function checkAckWaitOn(m: DeliveryModel, id: string, host: string, fromMs: number, copies: number): void {
  const endsMs = ackWaitEndsMs(m, fromMs, copies);
  if (m.nowMs >= endsMs)
    assert.fail(`${id} on ${host}: the wait for copy ${copies}'s ACK did not end at ${endsMs} (now ${m.nowMs})`);
}
