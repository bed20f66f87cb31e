/**
 * Goal: acknowledged delivery in the delivery core, one example each (spec/delivery.md,
 * "Acknowledged delivery"): the wait schedule of a host's copies, what an ACK settles, a
 * reply before the ACK, an ACK while a resend is in flight, stale ACKs, a host reported
 * down for each failover class and reason, `retry` against ACK timeouts and moves, a
 * failed resend, and a fanout copy resent then given up (its host open in its breaker;
 * host-health.test.ts shows the breaker with acks).
 * Method: a DeliveryCore built with acks, driven by hand with a recording effects sink;
 * time is a number.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliveryCore, MessageDeliveryFailure } from "../../src/internal.js";
import type { Failover } from "../../src/core/delivery-request.js";
import { Recorder, type Fx } from "./delivery-model.js";

const INTERVAL = 100;
const ACK_MS = 10;

function setup(ackResendsPerHost = 2) {
  const rec = new Recorder();
  const acks = { ackTimeoutMs: ACK_MS, ackResendsPerHost };
  const core = new DeliveryCore<null>(rec, { hostWaitIntervalMs: INTERVAL, acks });
  return { rec, core };
}

const types = (fx: Fx[]) => fx.map((e) => (e.type === "send" ? `send ${e.id} ${e.host}` : e.type));
/** The settle effect among `fx` (the test fails when there is none). */
const settled = (fx: Fx[]): Extract<Fx, { type: "settle" }> => {
  const e = fx.find((x) => x.type === "settle");
  if (e?.type !== "settle") return assert.fail(`no settle among ${types(fx).join(", ")}`);
  return e;
};
/** The MessageDeliveryFailure `fx` settles with. */
const failure = (fx: Fx[]): MessageDeliveryFailure => {
  const e = settled(fx).value;
  assert.ok(e instanceof MessageDeliveryFailure, `settled with ${e}`);
  return e;
};

test("acknowledged delivery - the n-th copy to a host waits ackTimeoutMs × 2^(n-1) for its ACK (10, 20, 40 ms), then goes to the same host again; a wait that would pass the deadline ends at it, and the cast fails 'no acknowledgement from <host>'", () => {
  const { rec, core } = setup(3);
  const r = core.send("1", "cast", "k", 100, null, null, 0, ["a", "b"]);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 a"]);
  core.sendAccepted(r, "a", 0);
  assert.equal(core.nextWakeMs(), 10, "1 × ackTimeoutMs");
  core.timerFired(9);
  assert.deepEqual(rec.take(), [], "no resend before the wait ran out");
  core.timerFired(10);
  assert.deepEqual(types(rec.take()), ["send 1 a"], "the same host, not the next one");
  core.sendAccepted(r, "a", 10);
  assert.equal(core.nextWakeMs(), 30, "2 × ackTimeoutMs");
  core.timerFired(30);
  assert.deepEqual(types(rec.take()), ["send 1 a"]);
  core.sendAccepted(r, "a", 30);
  assert.equal(core.nextWakeMs(), 70, "4 × ackTimeoutMs");
  core.timerFired(70);
  assert.deepEqual(types(rec.take()), ["send 1 a"]);
  core.sendAccepted(r, "a", 70);
  assert.equal(core.nextWakeMs(), 100, "8 × would end at 150: the wait ends at the deadline");
  core.timerFired(100);
  const e = failure(rec.take());
  assert.equal(e.message, "cast 1 to k could not be delivered before its deadline (no acknowledgement from a)");
  assert.deepEqual([core.stats.ackResends, core.stats.deliveryFailures, core.stats.acks], [3, 1, 0]);
});

test("acknowledged delivery - a cast resolves on its host's ACK, not when its send is accepted; an acknowledged call waits for its reply with no ACK wait left", () => {
  const { rec, core } = setup();
  const cast = core.send("1", "cast", "k", 1000, null, null, 0, ["a"]);
  core.sendAccepted(cast, "a", 1);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 a"], "accepted by the connection is not delivered");
  assert.equal(cast.state, "awaiting-ack");
  core.ackReceived("1", "a", 5);
  assert.deepEqual(rec.take(), [
    { type: "release", id: "1" },
    { type: "settle", id: "1", ok: true, value: undefined },
  ]);
  const call = core.send("2", "call", "k", 1000, null, null, 10, ["a"]);
  core.sendAccepted(call, "a", 11);
  core.ackReceived("2", "a", 12);
  assert.equal(call.state, "awaiting-reply");
  assert.equal(core.nextWakeMs(), 1000, "only the deadline is left");
  rec.take();
  core.timerFired(21);
  assert.deepEqual(rec.take(), [], "nothing is resent after the ACK");
  core.replyReceived("2", true, "pong", 30);
  assert.deepEqual(settled(rec.take()).value, "pong");
  assert.deepEqual([core.stats.acks, core.stats.ackResends, core.stats.staleAcks], [2, 0, 0]);
});

test("acknowledged delivery - a reply before the ACK settles the call; the ACK that follows is stale and its wait is gone", () => {
  const { rec, core } = setup();
  const r = core.send("1", "call", "k", 1000, null, null, 0, ["a"]);
  core.sendAccepted(r, "a", 1);
  rec.take();
  core.replyReceived("1", true, "pong", 3);
  assert.equal(settled(rec.take()).value, "pong");
  core.ackReceived("1", "a", 4);
  core.timerFired(11);
  assert.deepEqual(rec.take(), []);
  assert.deepEqual([core.stats.acks, core.stats.staleAcks, core.stats.ackResends], [0, 1, 0]);
  assert.equal(core.nextWakeMs(), undefined);
});

test("acknowledged delivery - an ACK while a resend is in flight counts: the call awaits its reply, the cast settles, and the resend's outcome changes nothing", () => {
  const { rec, core } = setup();
  const call = core.send("1", "call", "k", 1000, null, null, 0, ["a"]);
  const cast = core.send("2", "cast", "j", 1000, null, null, 0, ["b"]);
  core.sendAccepted(call, "a", 0);
  core.sendAccepted(cast, "b", 0);
  core.timerFired(10);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 a", "hostsSeen", "send 2 b", "send 1 a", "send 2 b"]);
  assert.deepEqual([call.state, cast.state], ["sending", "sending"]);
  core.ackReceived("1", "a", 11);
  core.ackReceived("2", "b", 11);
  assert.equal(call.state, "awaiting-reply");
  assert.equal(settled(rec.take()).id, "2");
  core.sendAccepted(call, "a", 12);
  core.sendFailed(cast, "b", "closed", new Error("ECLOSED"), 12);
  assert.deepEqual(rec.take(), []);
  assert.equal(call.state, "awaiting-reply");
  assert.equal(core.nextWakeMs(), 1000, "no ACK wait: the accepted resend was already acknowledged");
  assert.deepEqual([core.stats.acks, core.stats.ackResends], [2, 2]);
});

test("acknowledged delivery - a resend that fails (any class) is a lost copy: the call stays with its host, waits the next copy's ACK (2 × ackTimeoutMs) and is then resent to the same host; it does not count against retry, the ACK timeout after it does", () => {
  for (const cls of ["closed", "host-removed", "send-error", "exhausted", "socket-timeout"] as const) {
    const { rec, core } = setup();
    const r = core.send("1", "call", "k", 1000, null, null, 0, ["a", "b"]);
    core.sendAccepted(r, "a", 0);
    core.timerFired(10);
    assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 a", "send 1 a"], cls);
    core.sendFailed(r, "a", cls, new Error(cls), 11);
    assert.deepEqual(rec.take(), [], `${cls}: no other host, nothing settles`);
    assert.equal(r.state, "awaiting-ack", cls);
    assert.equal(core.nextWakeMs(), 31, `${cls}: the second copy's wait`);
    core.timerFired(31);
    assert.deepEqual(types(rec.take()), ["send 1 a"], `${cls}: the same host again`);
  }
  const { rec, core } = setup();
  const r = core.send("2", "cast", "k", 1000, 1, null, 0, ["a", "b"]);
  core.sendAccepted(r, "a", 0);
  core.timerFired(10);
  core.sendFailed(r, "a", "closed", new Error("ECLOSED"), 11);
  assert.equal(r.state, "awaiting-ack", "retry 1: the failed resend is not the second failure");
  rec.take();
  core.timerFired(31);
  assert.equal(failure(rec.take()).message, "cast 2 to k: no acknowledgement from a after 2 attempt(s)");
});

test("acknowledged delivery - stale ACKs (another host, an unknown id, a second ACK, a settled request, acks off) are counted and change nothing", () => {
  const { rec, core } = setup();
  const r = core.send("1", "call", "k", 1000, null, null, 0, ["a", "b"]);
  core.sendAccepted(r, "a", 1);
  rec.take();
  core.ackReceived("1", "b", 2);
  core.ackReceived("nope", "a", 2);
  assert.equal(r.state, "awaiting-ack");
  core.ackReceived("1", "a", 3);
  core.ackReceived("1", "a", 4);
  core.replyReceived("1", true, "pong", 5);
  core.ackReceived("1", "a", 6);
  assert.deepEqual(types(rec.take()), ["release", "settle"], "only the reply settles");
  assert.deepEqual([core.stats.acks, core.stats.staleAcks], [1, 4]);
  const off = new DeliveryCore<null>(rec, { hostWaitIntervalMs: INTERVAL });
  const s = off.send("2", "call", "k", 1000, null, null, 0, ["a"]);
  off.sendAccepted(s, "a", 1);
  rec.take();
  off.ackReceived("2", "a", 2);
  assert.deepEqual(rec.take(), []);
  assert.equal(s.state, "awaiting-reply");
  assert.deepEqual([off.stats.acks, off.stats.staleAcks], [0, 1]);
});

const REASON = { disconnected: "dropped its connection", removed: "left the matchmaker" } as const;

test("acknowledged delivery - a host reported down (disconnected or removed) moves a 'move' request waiting for its ACK or reply to another host, and settles a 'not-idempotent' or 'one-server' one at once with MessageDeliveryFailure naming the host, not retryable", () => {
  for (const why of ["disconnected"] as const)
    for (const failover of ["move", "not-idempotent", "one-server"] as const satisfies readonly Failover[])
      for (const acked of [false, true]) {
        const label = `${failover}, ${why}, ${acked ? "acknowledged" : "waiting for the ACK"}`;
        const { rec, core } = setup();
        const r = core.send("1", "call", "k", 1000, null, null, 0, ["a", "b"], failover);
        core.sendAccepted(r, "a", 1);
        if (acked) core.ackReceived("1", "a", 2);
        rec.take();
        core.hostDown("b", why, 3);
        assert.deepEqual(rec.take(), [], `${label}: another host's death changes nothing`);
        core.hostDown("a", why, 4);
        const fx = rec.take();
        if (failover === "move") {
          assert.deepEqual(types(fx), ["lookup"], label);
          assert.equal(r.state, "waiting-for-hosts", label);
          core.hostsKnown("k", ["a", "b", "c"], 5);
          assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 c"], `${label}: a, b are believed dead`);
          assert.deepEqual([core.stats.failovers, r.failures], [1, 1], label);
          continue;
        }
        const e = failure(fx);
        assert.deepEqual([e.host, e.retryable], ["a", false], label);
        const rule = failover === "one-server" ? "it is addressed to one server" : "it is not idempotent";
        assert.equal(
          e.message,
          `call 1 to k: host a ${REASON[why]} and is believed dead; not moved to another server because ${rule}`,
          label,
        );
      }
});

test("acknowledged delivery - a host reported down with the request among its surely undelivered ids (proxy mode: every proxy refused it) moves a 'not-idempotent' request whose only copy that was, like a failed send; not a 'one-server' one, nor one with an earlier copy there", () => {
  for (const failover of ["not-idempotent", "one-server"] as const satisfies readonly Failover[]) {
    const { rec, core } = setup();
    const r = core.send("1", "cast", "k", 1000, null, null, 0, ["a", "b"], failover);
    assert.equal(r.host, "a");
    core.sendAccepted(r, "a", 1);
    rec.take();
    core.hostDown("a", "disconnected", 2, ["1"]);
    const fx = rec.take();
    if (failover === "one-server") {
      assert.equal(failure(fx).host, "a", "a request addressed to one server never moves");
      continue;
    }
    assert.deepEqual(types(fx), ["lookup"]);
    core.hostsKnown("k", ["a", "b"], 3);
    assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 b"], "moved to b, a believed dead");
    core.sendAccepted(r, "b", 4);
    core.ackReceived("1", "b", 5);
    assert.equal(settled(rec.take()).ok, true);
  }
  // A second copy to the host (an ACK resend): the first may have arrived, so the rule applies.
  const { rec, core } = setup();
  const r = core.send("2", "cast", "k", 1000, null, null, 0, ["a", "b"], "not-idempotent");
  core.sendAccepted(r, "a", 1);
  core.timerFired(1 + ACK_MS);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send 2 a", "send 2 a"], "resent to a after the ACK wait");
  core.sendAccepted(r, "a", 1 + ACK_MS);
  core.hostDown("a", "disconnected", 12, ["2"]);
  assert.equal(failure(rec.take()).host, "a", "two copies went to a: it may have the first, so it fails, not moved");
});

test("acknowledged delivery - a call moved away from a host believed dead still takes that host's late reply; a third host's reply is stale", () => {
  const { rec, core } = setup();
  const r = core.send("1", "call", "k", 1000, null, null, 0, ["a", "b", "c"], "move");
  core.sendAccepted(r, "a", 1);
  core.hostDown("a", "disconnected", 2);
  core.hostsKnown("k", ["a", "b", "c"], 3);
  assert.deepEqual(types(rec.take()).slice(-1), ["send 1 b"]);
  core.sendAccepted(r, "b", 4);
  core.replyReceived("1", true, "from c", 5, "c");
  assert.deepEqual(rec.take(), [], "c was never sent the call");
  core.replyReceived("1", true, "from a", 6, "a");
  assert.equal(settled(rec.take()).value, "from a", "a may have run it before its connection dropped");
});

test("acknowledged delivery - a host reported down gives up the fanout copies waiting for its ACK; the fanout ends 'reached k of n', the cause naming the host", () => {
  for (const why of ["disconnected"] as const) {
    const { rec, core } = setup();
    const f = core.send("f", "fanout", "t", 1000, null, null, 0, ["a", "b"]);
    core.sendAccepted(f, "a", 1);
    core.sendAccepted(f, "b", 1);
    core.ackReceived("f", "b", 2);
    rec.take();
    core.hostDown("a", why, 3);
    const e = failure(rec.take());
    assert.equal(e.message, "fanout f to t reached 1 of 2 servers");
    const cause = e.cause as MessageDeliveryFailure;
    assert.deepEqual(
      [cause.host, cause.retryable, cause.message],
      ["a", false, `host a ${REASON[why]} (1 copies sent)`],
    );
  }
});

test("acknowledged delivery - retry bounds ACK timeouts and moves: retry 0 fails at the first ACK timeout with no resend, and a 'move' request with retry 0 fails when its host goes down; retry 1 allows one resend", () => {
  const { rec, core } = setup();
  const r = core.send("1", "call", "k", 1000, 0, null, 0, ["a"]);
  core.sendAccepted(r, "a", 0);
  core.timerFired(10);
  const fx = rec.take();
  assert.deepEqual(types(fx), ["hostsSeen", "send 1 a", "release", "settle"], "no resend");
  let e = failure(fx);
  assert.deepEqual(
    [e.message, e.host, e.retryable],
    ["call 1 to k: no acknowledgement from a after 1 attempt(s)", "a", false],
  );
  const m = core.send("2", "call", "k", 1000, 0, null, 20, ["a", "b"], "move");
  core.sendAccepted(m, m.host!, 21);
  core.hostDown(m.host!, "disconnected", 22);
  e = failure(rec.take());
  assert.match(e.message, /not moved to another server because its retry allows no more attempts \(1 made\)$/);
  const one = core.send("3", "cast", "k", 1000, 1, null, 30, ["a"]);
  core.sendAccepted(one, "a", 30);
  rec.take();
  core.timerFired(40);
  assert.deepEqual(types(rec.take()), ["send 3 a"], "one resend");
  core.sendAccepted(one, "a", 40);
  core.timerFired(60);
  assert.equal(failure(rec.take()).message, "cast 3 to k: no acknowledgement from a after 2 attempt(s)");
});

test("acknowledged delivery - a fanout copy with no ACK is resent to its host after 1×, then after 2× its host is believed dead: the copy is given up and the fanout ends 'reached 1 of 2', the host open in its breaker", () => {
  const { rec, core } = setup(1);
  const f = core.send("f", "fanout", "t", 1000, null, null, 0, ["a", "b"]);
  core.sendAccepted(f, "a", 0);
  core.sendAccepted(f, "b", 0);
  core.ackReceived("f", "b", 1);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send f a", "send f b"]);
  core.timerFired(10);
  assert.deepEqual(types(rec.take()), ["send f a"]);
  core.sendAccepted(f, "a", 10);
  core.timerFired(29);
  assert.deepEqual(rec.take(), []);
  core.timerFired(30);
  const e = failure(rec.take());
  assert.equal(e.message, "fanout f to t reached 1 of 2 servers");
  const cause = e.cause as MessageDeliveryFailure;
  assert.deepEqual([cause.host, cause.message], ["a", "host a sent no acknowledgement (2 copies sent)"]);
  assert.deepEqual(core.unhealthyHosts, ["a"]);
  assert.deepEqual([core.stats.ackResends, core.stats.acks], [1, 1]);
});
