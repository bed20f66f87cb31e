/**
 * Goal: the load tracker's rules one example each (spec/balancing.md, "Load tracker"):
 * when a request counts as in flight on a host and when it stops, what a reply time is
 * (from the first accepted send to the reply; a deadline reached while waiting for the
 * reply counts), the EWMA's first sample and weight, and a host with no sample.
 * Method: HostLoad driven by hand with plain request records, and a DeliveryCore with the
 * "latency" strategy driven by hand with a recording effects sink; time is a number.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createBalancing,
  DeliveryCore,
  EWMA_WEIGHT,
  HostLoad,
  type LoadTracked,
  type RandomSource,
} from "../../src/internal.js";
import { Recorder } from "../delivery/delivery-model.js";

const tracked = (deadlineMs = 10_000): LoadTracked => ({ deadlineMs, loadOn: undefined, acceptedAtMs: Number.NaN });

test("host load - a request counts on the host it was sent to, on one host at most, until it leaves or settles", () => {
  const load = new HostLoad();
  const r = tracked();
  assert.equal(load.inFlight("a"), 0, "a host never sent to has none");
  load.sent(r, "a");
  assert.equal(load.inFlight("a"), 1);
  load.sent(r, "b"); // picked again (a new round): it moves
  assert.deepEqual([load.inFlight("a"), load.inFlight("b")], [0, 1]);
  load.left(r);
  load.left(r); // leaving twice is harmless
  assert.equal(load.inFlight("b"), 0);
  load.sent(r, "b");
  load.settled(r, false);
  load.settled(r, false);
  assert.equal(load.inFlight("b"), 0);
  assert.deepEqual(
    [...load.entries()].map((e) => e.host),
    ["a", "b"],
    "entries in the order first seen",
  );
});

test("host load - the reply time runs from the first accepted send to the reply; the first sample is the average, later ones move it by EWMA_WEIGHT", () => {
  const load = new HostLoad();
  assert.ok(Number.isNaN(load.ewmaMs("a")), "no sample: no average");
  const r = tracked();
  load.sent(r, "a");
  load.accepted(r, 100);
  load.accepted(r, 150); // a resend accepted later does not restart it
  load.replied(r, 130);
  load.settled(r, false);
  assert.equal(load.ewmaMs("a"), 30);
  const s = tracked();
  load.sent(s, "a");
  load.accepted(s, 200);
  load.replied(s, 280);
  load.settled(s, false);
  assert.equal(load.ewmaMs("a"), 30 + EWMA_WEIGHT * (80 - 30));
  assert.equal(load.get("a")?.samples, 2);
});

test("host load - no sample without an accepted send; a new host restarts the reply time; a call past its deadline while awaiting its reply counts its wait", () => {
  const load = new HostLoad();
  const r = tracked(1000);
  load.sent(r, "a");
  load.replied(r, 50); // a reply before any accepted send (a stale copy): no sample
  assert.ok(Number.isNaN(load.ewmaMs("a")));
  load.accepted(r, 10);
  load.sent(r, "b"); // moved: the time on "a" is forgotten
  load.accepted(r, 400);
  load.settled(r, true); // expired at its deadline 1000 awaiting its reply from "b"
  assert.ok(Number.isNaN(load.ewmaMs("a")));
  assert.equal(load.ewmaMs("b"), 600);
  const c = tracked(2000);
  load.sent(c, "c");
  load.settled(c, true); // expired before any send was accepted: nothing to measure
  assert.ok(Number.isNaN(load.ewmaMs("c")));
});

test("host load in the core - a call counts from its send until its reply; its reply time is measured from the accepted send; a cast counts until it is accepted", () => {
  const rec = new Recorder();
  const never: RandomSource = { nextUint32: () => 0 };
  const balancing = createBalancing("latency", never);
  const load = balancing.load!;
  const core = new DeliveryCore<null>(rec, { hostWaitIntervalMs: 100, balancing });
  const call = core.send("1", "call", "k", 1000, null, null, 0, ["a"]);
  assert.equal(load.inFlight("a"), 1);
  core.sendAccepted(call, "a", 5);
  assert.equal(load.inFlight("a"), 1, "awaiting its reply: still in flight");
  core.replyReceived("1", true, "ok", 25);
  assert.equal(load.inFlight("a"), 0);
  assert.equal(load.ewmaMs("a"), 20, "from the accepted send (5) to the reply (25)");
  const cast = core.send("2", "cast", "k", 1000, null, null, 30, ["a"]);
  assert.equal(load.inFlight("a"), 1);
  core.sendAccepted(cast, "a", 31);
  assert.equal(load.inFlight("a"), 0, "a cast is done once accepted (acks off)");
  assert.equal(load.get("a")?.samples, 1, "a cast gives no reply time");
  core.send("3", "fanout", "k", 1000, null, null, 40, ["a"]);
  assert.equal(load.inFlight("a"), 0, "fanout copies are not counted");
});

test("host load in the core - a failed send leaves the host before the next pick; a call expiring while awaiting its reply counts its wait as a reply time", () => {
  const rec = new Recorder();
  const balancing = createBalancing("least-in-flight", { nextUint32: () => 0 });
  const load = balancing.load!;
  const core = new DeliveryCore<null>(rec, { hostWaitIntervalMs: 100, balancing });
  const r = core.send("1", "call", "k", 1000, null, null, 0, ["a", "b"]);
  assert.equal(r.host, "a", "ties go to the first of the tied hosts when the draw is 0");
  core.sendFailed(r, "a", "closed", new Error("ECLOSED"), 1);
  assert.deepEqual([load.inFlight("a"), load.inFlight("b")], [0, 0], "waiting for hosts again: on no host");
  core.hostsKnown("k", ["a", "b"], 2);
  assert.equal(r.host, "b", "the round's other host");
  assert.equal(load.inFlight("b"), 1);
  core.sendAccepted(r, "b", 100);
  core.timerFired(1000);
  assert.equal(r.state, "settled");
  assert.equal(load.inFlight("b"), 0);
  assert.equal(load.ewmaMs("b"), 900, "from the accepted send (100) to the deadline (1000)");
});
