/**
 * The commands of the delivery core's model-based test (delivery-core.model.test.ts) that
 * report what became of a send, as the shell would: its outcome (accepted, or failed with
 * each failure class, a resend's too), an ACK (acks on: from the host a request waits on,
 * or stale), a host reported down and a host's connection back up. Each checks what it can
 * predict besides the model's own rules.
 */
import assert from "node:assert/strict";
import { MessageDeliveryFailure, type DeliveryCore, type SendFailure } from "../../src/internal.js";
import type { DeliveryModel } from "./delivery-model.js";
import { predictAck, predictHostDown } from "./delivery-model-acks.js";
import { HOSTS, pick, type Cmd } from "./delivery-model-commands.js";
import type { MReq } from "./delivery-model-request.js";

/** Sends reported by effects whose outcome the shell has not reported yet (settled requests' too). */
export function outstanding(m: Readonly<DeliveryModel>): { id: string; host: string }[] {
  const out: { id: string; host: string }[] = [];
  for (const r of m.requests.values()) {
    for (const host of r.sending) out.push({ id: r.id, host });
    for (const host of r.unreported) out.push({ id: r.id, host });
  }
  return out;
}

const RETRYABLE: ReadonlySet<string> = new Set<SendFailure>(["closed", "host-removed", "send-error"]);

export class Outcome implements Cmd {
  constructor(
    readonly k: number,
    readonly result: "accepted" | SendFailure,
  ) {}
  check = (m: Readonly<DeliveryModel>) => outstanding(m).length > 0;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const s = pick(outstanding(m), this.k)!;
    const r = m.requests.get(s.id)!;
    const handle = m.handle(s.id);
    const live = !r.settled && r.sending.has(s.host);
    r.sending.delete(s.host);
    r.unreported.delete(s.host);
    r.waitingForSocket = undefined;
    m.input = { type: "outcome" };
    if (this.result === "accepted") {
      if (live) accepted(m, r, s.host);
      core.sendAccepted(handle, s.host, m.nowMs);
      const fx = m.apply();
      if (!live) assert.equal(fx.length, 0, "the outcome of a send the core no longer waits for had effects");
      else if (r.kind === "cast" && m.acks !== undefined)
        assert.ok(!r.settled, "a cast settled when its send was accepted, before any ACK");
      else if (r.kind === "cast") assert.ok(r.settled && r.outcome?.ok, "an accepted cast does not settle ok at once");
      else if (r.kind === "call") assert.ok(!r.settled, "an accepted call settled without its reply");
      m.check();
      return;
    }
    const error = new Error(`${this.result} on ${s.host}`);
    // A resend (acks on: a copy of it was accepted by this host) that fails is a lost copy.
    const resend = live && r.kind !== "fanout" && r.copies > 0;
    const retryable = r.kind !== "fanout" && !resend && RETRYABLE.has(this.result);
    const bound = retryable && r.retry !== null && r.failures + 1 > r.retry;
    let allFailed = false;
    if (live) {
      r.lastCause = error;
      if (r.kind !== "fanout" && (this.result === "closed" || this.result === "send-error"))
        m.health.soft(s.host, m.nowMs, error, r.sentSeq);
      if (r.kind === "fanout") {
        const h = r.hosts.get(s.host)!;
        h.phase = this.result === "send-error" ? "paused" : "given-up";
        h.notBeforeMs = Math.min(m.nowMs + m.intervalMs, r.deadlineMs);
      } else if (resend) {
        r.phase = "awaiting-ack";
        r.copies++;
        r.acceptedAtMs = m.nowMs;
        m.note("failed resend waits as a lost copy");
      } else if (this.result === "socket-timeout") r.phase = "stopped";
      else if (retryable) {
        r.failures++;
        r.failedRound.add(s.host);
        r.phase = "waiting";
        allFailed = r.offered!.every((h) => r.failedRound.has(h) || r.dead.has(h));
      }
      r.mayFail = r.kind !== "fanout" && !resend && (this.result === "exhausted" || bound);
    }
    core.sendFailed(handle, s.host, this.result, error, m.nowMs);
    const fx = m.apply();
    r.mayFail = false;
    if (!live) assert.equal(fx.length, 0, "the outcome of a send the core no longer waits for had effects");
    else if (resend) assert.deepEqual(fx, [], `${r.id}'s failed resend to ${s.host} had effects`);
    else if (r.kind !== "fanout") {
      if (this.result === "exhausted") assert.equal(r.outcome?.value, error, "exhausted does not settle at once");
      else if (bound) {
        const e = r.outcome?.value;
        assert.ok(e instanceof MessageDeliveryFailure, "the failed send past retry does not settle the request");
        assert.equal(e.message, `send to ${s.host} failed after ${r.failures} attempt(s)`);
        assert.equal(e.cause, error);
      } else {
        assert.ok(!r.settled, "a failed send within retry settled the request");
        if (retryable) {
          const paused = core.request(r.id)?.state === "paused";
          assert.equal(
            paused,
            allFailed,
            "paused although a host of the list had not failed, or not paused after all did",
          );
          if (allFailed) {
            r.failedRound.clear();
            r.notBeforeMs = Math.min(m.nowMs + m.intervalMs, r.deadlineMs);
          }
        }
      }
    }
    m.check();
  }
  toString = () => `outcome(#${this.k}, ${this.result})`;
}

/** `r`'s send to `host` was accepted by the host's connection (before the core is told). */
function accepted(m: DeliveryModel, r: MReq, host: string): void {
  r.accepted.add(host);
  if (m.acks === undefined) m.health.alive(m, host); // acks off: an accepted send is a sign of life
  if (r.kind === "fanout") {
    const h = r.hosts.get(host)!;
    h.phase = m.acks === undefined ? "delivered" : "awaiting-ack";
    h.copies++;
    h.acceptedAtMs = m.nowMs;
  } else if (m.acks === undefined)
    r.phase = "awaiting-reply"; // a cast settles
  else {
    r.phase = "awaiting-ack";
    r.copies++;
    r.acceptedAtMs = m.nowMs;
  }
}

/**
 * An ACK: from the host a request waits on, for a copy it accepted ("accepted") or one
 * still in flight ("in-flight"); from a host some request was ever sent to, settled or
 * moved away from ("sent"); or any id (unknown too) from any host ("any"). Acks off,
 * every ACK is stale and changes nothing.
 */
export class Ack implements Cmd {
  constructor(
    readonly k: number,
    readonly which: "accepted" | "in-flight" | "sent" | "any",
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const [id, host] = this.target(m);
    const r = m.requests.get(id);
    const counts = predictAck(m, id, host);
    m.input = { type: "ack", id, host };
    const { acks, staleAcks } = core.stats;
    core.ackReceived(id, host, m.nowMs);
    const fx = m.apply();
    assert.deepEqual(
      [core.stats.acks - acks, core.stats.staleAcks - staleAcks],
      counts ? [1, 0] : [0, 1],
      counts ? `the ACK of ${id} from ${host} acknowledged nothing` : `the ACK of ${id} from ${host} is not stale`,
    );
    if (!counts) assert.equal(fx.length, 0, "a stale ACK had effects");
    else if (r!.kind === "cast") assert.ok(r!.settled && r!.outcome?.ok, "an acknowledged cast did not settle ok");
    else if (r!.kind === "call") assert.ok(!r!.settled, "an acknowledged call settled without its reply");
    m.check();
  }
  private target(m: DeliveryModel): [string, string] {
    const pairs: [string, string][] = [];
    for (const r of m.requests.values()) {
      if (this.which === "sent") for (const h of r.sentTo) pairs.push([r.id, h]);
      else if (this.which !== "any" && !r.settled) {
        const awaited = this.which === "accepted" ? "awaiting-ack" : "sending";
        if (r.phase === awaited && r.host !== undefined) pairs.push([r.id, r.host]);
        for (const [h, p] of r.hosts) if (p.phase === awaited) pairs.push([r.id, h]);
      }
    }
    const any: [string, string] = [pick([...m.requests.keys(), "unknown"], this.k)!, pick(HOSTS, this.k >> 2)!];
    return pick(pairs, this.k) ?? any;
  }
  toString = () => `ack(#${this.k}, ${this.which})`;
}

/**
 * A host reported down: it is open in its breaker, and every call or cast waiting on it
 * for an ACK or a reply (acks on or off) moves or settles at once, every fanout copy
 * waiting for its ACK is given up.
 */
export class HostDown implements Cmd {
  constructor(
    readonly k: number,
    readonly why: "disconnected",
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const host = pick(HOSTS, this.k)!;
    m.input = { type: "hostDown", host, why: this.why };
    const affected = predictHostDown(m, host, this.why);
    core.hostDown(host, this.why, m.nowMs);
    const fx = m.apply();
    if (m.closed) assert.equal(fx.length, 0, "hostDown had effects after close");
    for (const r of affected)
      if (r.kind !== "fanout" && r.failover !== "move")
        assert.ok(r.settled, `${r.id} (${r.failover}) did not settle at once when ${host} was down`);
    m.check();
  }
  toString = () => `hostDown(${pick(HOSTS, this.k)}, ${this.why})`;
}

/** A connection to a host completed its handshake: an open host may be probed at once; nothing else changes. */
export class HostUp implements Cmd {
  constructor(readonly k: number) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const host = pick(HOSTS, this.k)!;
    m.input = { type: "other" };
    m.health.up(m, host);
    core.hostUp(host, m.nowMs);
    assert.equal(m.apply().length, 0, "hostUp had effects");
    m.check();
  }
  toString = () => `hostUp(${pick(HOSTS, this.k)})`;
}
