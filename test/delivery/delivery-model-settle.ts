/**
 * What a settle may be, for the model of the delivery core (delivery-model.ts): an ok
 * result only with what earned it, an error before the deadline only from the input that
 * allows it (a failed send, a reply, a fanout whose hosts all ended, a host reported down,
 * an ACK wait that ran out), past the deadline the deadline error with its message and
 * cause. The model calls these from the settle effect, before it learns what else the
 * input changed.
 */
import assert from "node:assert/strict";
import { MatchmakerUnavailable, MessageDeliveryFailure, MessagingTimeout } from "../../src/internal.js";
import type { DeliveryModel } from "./delivery-model.js";
import { checkAckWaitOver } from "./delivery-model-acks.js";
import { DOWN_REASON, causeMatches, notMovedBecause, type MReq } from "./delivery-model-request.js";

/**
 * An ok settle: a call with its own reply's value; a cast on its accepted send (acks off)
 * or on a counted ACK from the host of its send (acks on: `ackedBy`, set by predictAck);
 * a fanout once every snapshot host accepted (acks off) or acknowledged (acks on) its copy.
 */
export function checkOk(m: DeliveryModel, r: MReq, value: unknown): void {
  if (m.acks !== undefined && r.kind !== "call") m.note(r.kind === "cast" ? "cast ok on its ACK" : "fanout ok on ACKs");
  const id = r.id;
  assert.ok(m.nowMs < r.deadlineMs, `${id} settled ok at or after its deadline`);
  if (r.kind === "call") assert.ok(r.reply?.ok && r.reply.value === value, `call ${id} settled ok without its reply`);
  else if (r.kind === "cast" && m.acks === undefined)
    assert.ok(m.input.type === "outcome" && r.accepted.size === 1, `cast ${id} settled ok with no send accepted`);
  else if (r.kind === "cast") {
    const i = m.input;
    assert.ok(
      i.type === "ack" && i.id === id && r.ackedBy === i.host,
      `cast ${id} settled ok without an ACK from the host of its send in flight or accepted`,
    );
  } else
    assert.ok(
      r.snapshot !== undefined &&
        r.snapshot.length > 0 &&
        r.snapshot.every((h) => r.hosts.get(h)?.phase === "delivered"),
      `fanout ${id} settled ok but not every host of its snapshot ${m.acks ? "acknowledged" : "accepted"} it`,
    );
}

/** A fanout failed before its deadline: every host ended, some given up; "reached k of n", the last cause recorded. */
export function checkFanoutIncomplete(r: MReq, e: Error): void {
  const hosts = [...r.hosts.values()];
  assert.ok(
    hosts.every((h) => h.phase === "delivered" || h.phase === "given-up"),
    `fanout ${r.id} failed with copies in flight, paused or waiting for an ACK`,
  );
  const delivered = hosts.filter((h) => h.phase === "delivered").length;
  assert.ok(delivered < hosts.length, `fanout ${r.id} failed before its deadline with no host given up`);
  assert.equal(e.message, `fanout ${r.id} to ${r.key} reached ${delivered} of ${hosts.length} servers`);
  assert.ok(causeMatches(r.lastCause, e.cause), `fanout ${r.id}'s failure has the wrong cause`);
}

/** A call or cast waiting for `host`'s ACK or reply, `host` reported down: not allowed to move, or no retry left. */
export function checkHostDownError(m: DeliveryModel, r: MReq, e: Error, host: string, why: "disconnected"): void {
  m.note("failed after hostDown");
  assert.equal(r.downBy, host, `${r.id} settled by the death of ${host}, which it was not waiting on`);
  assert.ok(e instanceof MessageDeliveryFailure && e.host === host && !e.retryable, `${r.id}: ${e.message}`);
  const rule =
    r.failover === "move" ? `its retry allows no more attempts (${r.failures + 1} made)` : notMovedBecause(r);
  if (r.failover === "move")
    assert.ok(r.retry !== null && r.failures + 1 > r.retry, `${r.id} may move but failed after ${host} was down`);
  assert.equal(
    e.message,
    `${r.kind} ${r.id} to ${r.key}: host ${host} ${DOWN_REASON[why]} and is believed dead; ` +
      `not moved to another server because ${rule}`,
  );
}

/** A call or cast failed at a timer: its ACK wait ended, and its retry ran out or its host is believed dead. */
export function checkNoAckError(m: DeliveryModel, r: MReq, e: Error): void {
  assert.equal(r.phase, "awaiting-ack", `${r.id} failed at a timer while ${r.phase}`);
  const host = r.host!;
  checkAckWaitOver(m, `${r.id} on ${host}`, r.acceptedAtMs, r.copies);
  m.health.soft(host, m.nowMs); // each ACK timeout is a soft failure of the host
  assert.ok(e instanceof MessageDeliveryFailure && e.host === host && !e.retryable, `${r.id}: ${e.message}`);
  const failures = r.failures + 1;
  m.note(r.retry !== null && failures > r.retry ? "ACK timeouts past retry" : "failed after no ACK");
  if (r.retry !== null && failures > r.retry) {
    assert.equal(
      e.message,
      `${r.kind} ${r.id} to ${r.key}: no acknowledgement from ${host} after ${failures} attempt(s)`,
    );
    return;
  }
  assert.notEqual(r.failover, "move", `${r.id} may move, but failed when ${host} was believed dead`);
  assert.ok(r.resends >= m.acks!.ackResendsPerHost, `${r.id} believed ${host} dead after ${r.resends} resends`);
  m.health.trip(host, m.nowMs);
  assert.equal(
    e.message,
    `${r.kind} ${r.id} to ${r.key}: host ${host} ${DOWN_REASON["no-ack"]} and is believed dead; ` +
      `not moved to another server because ${notMovedBecause(r)}`,
  );
}

export function checkDeadlineError(m: DeliveryModel, r: MReq, e: Error): void {
  const cause = r.waitingForSocket !== undefined ? m.socketCause(r.waitingForSocket) : r.lastCause;
  const why = cause instanceof MatchmakerUnavailable ? " (matchmaker unavailable)" : "";
  if (r.kind === "call") {
    assert.ok(e instanceof MessagingTimeout, `call ${r.id} timed out with ${e.name}`);
    assert.equal(e.message, `Timeout while waiting on RPC response for message ${r.id} to ${r.key}${why}`);
  } else {
    assert.ok(e instanceof MessageDeliveryFailure, `${r.kind} ${r.id} expired with ${e.name}`);
    const everOffered = r.kind === "fanout" ? r.snapshot !== undefined : r.offered !== undefined;
    const reached = [...r.hosts.values()].filter((h) => h.phase === "delivered").length;
    const detail = !everOffered
      ? " (no server available)"
      : r.kind === "fanout"
        ? ` (${reached} of ${r.snapshot!.length} servers reached)`
        : r.phase === "awaiting-ack"
          ? ` (no acknowledgement from ${r.host})`
          : " (every send failed)";
    assert.equal(e.message, `${r.kind} ${r.id} to ${r.key} could not be delivered before its deadline${detail}${why}`);
  }
  assert.ok(causeMatches(cause, e.cause), `${r.id}'s deadline error has the wrong cause`);
}
