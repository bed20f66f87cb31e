/**
 * Goal: each host's circuit breaker (src/core/host-health.ts, spec/delivery.md "Host
 * health"), alone and inside the delivery core: soft failures in a row open a host, a
 * success resets the count, hard failures open it at once, an open host gets no traffic
 * until its cool-down ends and then exactly one probe, whose outcome closes or reopens it
 * (with a doubled cool-down), a dropped connection moves or fails what waited on the host
 * with acks off too, a request whose every host is open is refused at once, and with acks
 * a host out of resends opens, its probe's missing ACK reopens it and its ACK closes it.
 * Method: HostHealth driven by hand; a DeliveryCore with a recording effects sink; a
 * fast-check property over random event sequences.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  DeliveryCore,
  HEALTH_TRANSITIONS,
  HostHealth,
  MessageDeliveryFailure,
  type BreakerOptions,
} from "../../src/internal.js";
import { Recorder, type Fx } from "./delivery-model.js";

const BREAKER: BreakerOptions = { failureThreshold: 3, windowMs: 1000, coolDownMs: 100, maxCoolDownMs: 350 };
const none = () => false;
const sends = (fx: Fx[]) => fx.flatMap((e) => (e.type === "send" ? [`${e.id}@${e.host}`] : []));

test("host health - soft failures in a row within the window open a host; a success in between or a gap past the window restarts the count; threshold 0 counts none", () => {
  const h = new HostHealth(BREAKER);
  h.failed("a", 0);
  h.failed("a", 10);
  h.ok("a");
  h.failed("a", 20);
  h.failed("a", 30);
  assert.equal(h.stateOf("a"), "closed", "the success reset the count");
  h.failed("a", 1100);
  assert.equal(h.stateOf("a"), "closed", "the first failure was out of the window: the count restarted");
  h.failed("a", 1110);
  h.failed("a", 1120);
  assert.equal(h.stateOf("a"), "open");
  const off = new HostHealth({ ...BREAKER, failureThreshold: 0 });
  for (let t = 0; t < 10; t++) off.failed("a", t);
  assert.equal(off.stateOf("a"), "closed");
  off.trip("a", 10);
  assert.equal(off.stateOf("a"), "open", "hard failures open a host whatever the threshold");
});

test("host health - failed sends in flight together count once: only a send that left after the host's last counted failure counts again", () => {
  const h = new HostHealth(BREAKER); // failureThreshold 3
  const together = [h.sendSeq, h.sendSeq, h.sendSeq, h.sendSeq, h.sendSeq];
  for (const [i, seq] of together.entries()) h.failed("a", i, new Error("EAGAIN"), seq);
  assert.equal(h.stateOf("a"), "closed", "five sends that failed together are one failure");
  const other = h.sendSeq;
  h.failed("b", 5, new Error("EAGAIN"), other); // another host's failure does not hide a's next one
  h.failed("a", 6, new Error("EAGAIN"), h.sendSeq - 1); // left before b's failure, after a's: counts
  assert.equal(h.stateOf("a"), "closed", "two failures in a row");
  h.failed("a", 7, new Error("EAGAIN"), h.sendSeq);
  assert.equal(h.stateOf("a"), "open", "the third send that left after the last counted failure opens it");
  h.failed("c", 8); // ACK timeouts and timed-out calls carry no sequence: each counts
  h.failed("c", 9);
  h.failed("c", 10);
  assert.equal(h.stateOf("c"), "open");
});

test("host health - an open host is refused until its cool-down ends, then takes one probe; the probe's failure reopens it with a doubled cool-down (capped), its success closes it", () => {
  const h = new HostHealth(BREAKER);
  h.trip("a", 0);
  assert.equal(h.allows("a", 99, none), false);
  assert.equal(h.reopensAtMs(["a", "b"]), 100);
  assert.equal(h.allows("a", 100, none), true);
  assert.equal(h.stateOf("a"), "half-open");
  h.picked("a", "p1");
  assert.equal(h.stateOf("a"), "probing");
  assert.equal(
    h.allows("a", 150, () => true),
    false,
    "one probe at a time",
  );
  h.failed("a", 160);
  assert.equal(h.stateOf("a"), "open");
  assert.equal(h.allows("a", 359, none), false, "cool-down doubled to 200");
  assert.equal(h.allows("a", 360, none), true);
  h.picked("a", "p2");
  h.trip("a", 400);
  assert.equal(h.reopensAtMs(["a"]), 400 + 350, "doubled again, capped at maxCoolDownMs");
  assert.equal(h.allows("a", 750, none), true);
  h.picked("a", "p3");
  h.ok("a");
  assert.equal(h.stateOf("a"), "closed");
  assert.deepEqual(h.unhealthy, []);
});

test("host health - a probe that ended without an outcome counts as failed; a completed handshake makes an open host probe-able at once", () => {
  const h = new HostHealth(BREAKER);
  h.trip("a", 0);
  h.allows("a", 100, none);
  h.picked("a", "p1");
  assert.equal(
    h.allows("a", 120, () => false),
    false,
    "the probe left without an outcome: reopened",
  );
  assert.equal(h.stateOf("a"), "open");
  h.up("a", 130);
  assert.equal(h.allows("a", 130, none), true, "its connection came back");
});

test("host health - property: an open host is never allowed before its cool-down ends, and at most one probe is out at a time", () => {
  const ev = fc.oneof(
    fc.record({ t: fc.constant("failed" as const), dt: fc.nat(60) }),
    fc.record({ t: fc.constant("trip" as const), dt: fc.nat(60) }),
    fc.record({ t: fc.constant("ok" as const), dt: fc.nat(60) }),
    fc.record({ t: fc.constant("pick" as const), dt: fc.nat(60) }),
    fc.record({ t: fc.constant("probeEnds" as const), dt: fc.nat(60) }),
  );
  fc.assert(
    fc.property(fc.array(ev, { maxLength: 60 }), (events) => {
      const h = new HostHealth(BREAKER);
      let now = 0;
      let probesOut = 0;
      let openUntil = -1;
      for (const e of events) {
        now += e.dt;
        const wasOpen = h.stateOf("a") === "open";
        if (e.t === "failed") h.failed("a", now);
        else if (e.t === "trip") h.trip("a", now);
        else if (e.t === "ok") h.ok("a");
        else if (e.t === "probeEnds") probesOut = 0;
        else if (h.allows("a", now, () => probesOut > 0)) {
          assert.ok(!(wasOpen && now < openUntil), `allowed at ${now}, open until ${openUntil}`);
          if (h.stateOf("a") === "half-open") {
            assert.equal(probesOut, 0, "a second probe while one is out");
            probesOut = 1;
          }
          h.picked("a", "p");
        }
        if (h.stateOf("a") === "open") openUntil = h.reopensAtMs(["a"]);
        if (h.stateOf("a") !== "probing") probesOut = 0;
      }
    }),
    { numRuns: 300 },
  );
});

test("host health table - every state is reachable from closed, and a trip opens every state", () => {
  const seen = new Set(["closed"]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of [...seen])
      for (const to of Object.values(HEALTH_TRANSITIONS[s as keyof typeof HEALTH_TRANSITIONS]))
        if (!seen.has(to)) grew = seen.add(to).size > 0;
  }
  assert.deepEqual([...seen].sort(), Object.keys(HEALTH_TRANSITIONS).sort());
  for (const row of Object.values(HEALTH_TRANSITIONS)) assert.equal(row.trip, "open");
});

test("delivery core - soft failures open a host: picks avoid it; when every host is open a request is refused at once (nothing sent, retryable); after the cool-down one request probes", () => {
  const rec = new Recorder();
  const core = new DeliveryCore<null>(rec, {
    hostWaitIntervalMs: 1000,
    breaker: { failureThreshold: 1, windowMs: 1000, coolDownMs: 100, maxCoolDownMs: 1000 },
  });
  const hosts = Object.freeze(["a", "b"]);
  const r1 = core.send("1", "cast", "k", 5000, null, null, 0, hosts);
  assert.deepEqual(sends(rec.take()), ["1@a"]);
  core.sendFailed(r1, "a", "send-error", new Error("EAGAIN"), 1);
  assert.deepEqual(core.unhealthyHosts, ["a"]);
  rec.take();
  core.hostsKnown("k", hosts, 2);
  assert.deepEqual(sends(rec.take()), ["1@b"], "the resend avoids the open host");
  core.sendFailed(r1, "b", "send-error", new Error("EAGAIN"), 3);
  rec.take();
  assert.deepEqual([...core.unhealthyHosts].sort(), ["a", "b"]);
  core.send("2", "cast", "k", 5000, null, null, 4, hosts);
  const fx = rec.take();
  assert.deepEqual(sends(fx), [], "every host open: no traffic");
  const refused = fx.find((e) => e.type === "settle");
  assert.ok(refused?.type === "settle" && refused.value instanceof MessageDeliveryFailure);
  assert.match(
    (refused.value as MessageDeliveryFailure).message,
    /every server it could go to is failing \(circuit open\): a, b/,
  );
  assert.equal((refused.value as MessageDeliveryFailure).retryable, true, "nothing was sent");
  assert.equal(core.stats.openRefusals, 1);
  // (r4 below is refused too: two refusals in all.)
  const r3 = core.send("3", "cast", "k", 5000, null, null, 101, hosts);
  assert.deepEqual(sends(rec.take()), ["3@a"], "a's cool-down ended: r3 is its probe");
  core.send("4", "cast", "k", 5000, null, null, 102, hosts);
  assert.deepEqual(sends(rec.take()), [], "a takes one probe at a time, and b is open until 103");
  const r5 = core.send("5", "cast", "k", 5000, null, null, 103, hosts);
  assert.deepEqual(sends(rec.take()), ["5@b"], "b's cool-down ended: r5 is its probe");
  core.sendAccepted(r3, "a", 104);
  assert.equal(r3.state, "settled");
  assert.deepEqual(core.unhealthyHosts, ["b"], "the probe's success closed a; b's probe is still out");
  core.sendAccepted(r5, "b", 105);
  assert.deepEqual(core.unhealthyHosts, []);
});

test("delivery core - a stall that fails every send in flight to a host counts once: the retries that left afterwards count, one by one", () => {
  const rec = new Recorder();
  const core = new DeliveryCore<null>(rec, {
    hostWaitIntervalMs: 1000,
    breaker: { failureThreshold: 3, windowMs: 10_000, coolDownMs: 100, maxCoolDownMs: 1000 },
  });
  const hosts = Object.freeze(["a"]);
  const rs = ["1", "2", "3", "4", "5"].map((id) => core.send(id, "call", "k", 5000, null, null, 0, hosts));
  assert.deepEqual(sends(rec.take()), ["1@a", "2@a", "3@a", "4@a", "5@a"]);
  for (const r of rs) core.sendFailed(r, "a", "send-error", new Error("EAGAIN"), 1);
  assert.deepEqual(core.unhealthyHosts, [], "one stall, one failure: the host is still closed");
  // Their only host failed this round: each pauses hostWaitIntervalMs, then asks for hosts again.
  const round = (t: number): string[] => {
    rec.take();
    core.timerFired(t);
    core.hostsKnown("k", hosts, t);
    return sends(rec.take());
  };
  assert.deepEqual(round(1001), ["1@a", "2@a", "3@a", "4@a", "5@a"], "every call is sent again");
  for (const r of rs) core.sendFailed(r, "a", "send-error", new Error("EAGAIN"), 1002);
  assert.deepEqual(core.unhealthyHosts, [], "the second round failed together too: two in a row");
  assert.equal(round(2002).length, 5);
  core.sendFailed(rs[0]!, "a", "send-error", new Error("EAGAIN"), 2003);
  assert.deepEqual(core.unhealthyHosts, ["a"], "the third round's first failure is the third in a row: open");
});

test("delivery core - acks off: a dropped connection fails a non-idempotent call accepted by that host at once, naming it; an idempotent one moves; the host is open afterwards", () => {
  const rec = new Recorder();
  const core = new DeliveryCore<null>(rec, { hostWaitIntervalMs: 100 });
  const hosts = Object.freeze(["a", "b"]);
  const plain = core.send("1", "call", "k", 5000, null, null, 0, hosts, "not-idempotent");
  const idem = core.send("2", "call", "k", 5000, null, null, 0, hosts, "move");
  const third = core.send("3", "call", "k", 5000, null, null, 0, hosts, "move");
  assert.deepEqual(sends(rec.take()), ["1@a", "2@b", "3@a"]);
  core.sendAccepted(plain, "a", 1);
  core.sendAccepted(idem, "b", 1);
  core.sendAccepted(third, "a", 1);
  core.hostDown("a", "disconnected", 2);
  const fx = rec.take();
  const failed = fx.find((e) => e.type === "settle" && e.id === "1");
  assert.ok(failed?.type === "settle" && failed.value instanceof MessageDeliveryFailure);
  assert.equal((failed.value as MessageDeliveryFailure).host, "a");
  assert.match((failed.value as MessageDeliveryFailure).message, /dropped its connection/);
  assert.equal(idem.state, "awaiting-reply", "a request on another host is untouched");
  assert.equal(third.state, "waiting-for-hosts", "the idempotent call on a moves");
  assert.equal(core.stats.failovers, 1);
  core.hostsKnown("k", hosts, 3);
  assert.deepEqual(sends(rec.take()), ["3@b"], "it never goes back to a dead host while another is listed");
});

test("delivery core - acks on: a host out of resends is open: new picks avoid it while another host is listed, a request with no other host is refused; after the cool-down one request probes it, a probe with no ACK in time reopens it for twice as long, and a probe's ACK closes it", () => {
  const rec = new Recorder();
  const core = new DeliveryCore<null>(rec, {
    hostWaitIntervalMs: 100,
    acks: { ackTimeoutMs: 10, ackResendsPerHost: 0 },
    breaker: { failureThreshold: 0, windowMs: 10_000, coolDownMs: 100, maxCoolDownMs: 1000 },
  });
  const settles = (fx: Fx[]) => fx.flatMap((e) => (e.type === "settle" ? [`${e.id} ${e.ok ? "ok" : "failed"}`] : []));
  const r = core.send("1", "cast", "k", 5000, null, null, 0, ["a"]);
  core.sendAccepted(r, "a", 0);
  rec.take();
  core.timerFired(10);
  assert.deepEqual(settles(rec.take()), ["1 failed"], "a sent no ACK and has no resend left: believed dead");
  assert.deepEqual(core.unhealthyHosts, ["a"]);
  core.send("2", "cast", "k", 5000, null, null, 10, ["a", "b"]);
  assert.deepEqual(sends(rec.take()), ["2@b"], "the open host is avoided");
  core.send("3", "cast", "k", 5000, null, null, 109, ["a"]);
  assert.deepEqual(settles(rec.take()), ["3 failed"], "no other host: refused before the cool-down ends");
  const probe = core.send("4", "cast", "k", 5000, null, null, 110, ["a"]);
  core.send("5", "cast", "k", 5000, null, null, 110, ["a"]);
  let fx = rec.take();
  assert.deepEqual([sends(fx), settles(fx)], [["4@a"], ["5 failed"]], "one probe; a second request is refused");
  core.sendAccepted(probe, "a", 110);
  core.timerFired(120);
  assert.deepEqual(settles(rec.take()), ["4 failed"], "the probe had no ACK in time");
  core.send("6", "cast", "k", 5000, null, null, 319, ["a"]);
  assert.deepEqual(settles(rec.take()), ["6 failed"], "reopened at 120 for 2 × 100 ms");
  const second = core.send("7", "cast", "k", 5000, null, null, 320, ["a"]);
  core.sendAccepted(second, "a", 320);
  core.ackReceived("7", "a", 321);
  fx = rec.take();
  assert.deepEqual([sends(fx), settles(fx)], [["7@a"], ["7 ok"]]);
  assert.deepEqual(core.unhealthyHosts, [], "the probe's ACK closed the host");
  core.send("8", "cast", "k", 5000, null, null, 322, ["a", "b"]);
  core.send("9", "cast", "k", 5000, null, null, 322, ["a", "b"]);
  const hosts = sends(rec.take()).map((s) => s.slice(2));
  assert.deepEqual(hosts.sort(), ["a", "b"], "picks use both hosts again");
  assert.equal(core.stats.openRefusals, 3);
});
