/**
 * Goal: the delivery core's flows, one example each (spec/delivery.md): the hot path, the
 * shared wait for a key's hosts (polls, watch notifications, lookup failures), failover
 * and pauses, `retry`, the pool's refusals, the deadline errors of each kind, fanout
 * progress, stale replies, close, and the transition table's own shape.
 * Method: a DeliveryCore driven by hand with a recording effects sink; time is a number.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DeliveryCore,
  MatchmakerUnavailable,
  MessageDeliveryFailure,
  MessagingTimeout,
  REQUEST_TRANSITIONS,
  FANOUT_HOST_TRANSITIONS,
  TransportClosed,
  type DeliveryRequest,
} from "../../src/internal.js";
import { Recorder, type Fx } from "./delivery-model.js";

const INTERVAL = 100;

function setup(socketTimeoutCause?: (host: string) => unknown) {
  const rec = new Recorder();
  const core = new DeliveryCore<null>(rec, { hostWaitIntervalMs: INTERVAL, socketTimeoutCause });
  return { rec, core };
}

const types = (fx: Fx[]) => fx.map((e) => (e.type === "send" ? `send ${e.id} ${e.host}` : e.type));
/** The settle effect among `fx` (the test fails when there is none). */
const settled = (fx: Fx[]): Extract<Fx, { type: "settle" }> => {
  const e = fx.find((x) => x.type === "settle");
  if (e?.type !== "settle") return assert.fail(`no settle among ${types(fx).join(", ")}`);
  return e;
};

test("delivery core - the hot path: hosts at hand send at once; the reply settles the call after its leases are released; one wake-up at the deadline", () => {
  const { rec, core } = setup();
  const hosts = Object.freeze(["a", "b"]);
  const r = core.send("1", "call", "k", 1000, null, null, 0, hosts);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 a"]);
  assert.equal(core.nextWakeMs(), 1000);
  core.sendAccepted(r, "a", 1);
  assert.deepEqual(rec.take(), [], "an accepted call waits for its reply");
  assert.equal(r.state, "awaiting-reply");
  core.send("2", "call", "k", 1001, null, null, 2, hosts);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send 2 b"], "round robin moves on");
  core.replyReceived("1", true, "pong", 3);
  assert.deepEqual(rec.take(), [
    { type: "release", id: "1" },
    { type: "settle", id: "1", ok: true, value: "pong" },
  ]);
  assert.equal(core.stats.replies, 1);
  assert.equal(r.state, "settled");
});

test("delivery core - waiters of one key share one lookup; an empty answer polls again after the interval; a watch notification during a lookup asks again right after it", () => {
  const { rec, core } = setup();
  core.send("1", "call", "k", 1000, null, null, 0);
  core.send("2", "cast", "k", 500, null, null, 10);
  core.send("3", "fanout", "k", 800, null, null, 20);
  assert.deepEqual(types(rec.take()), ["lookup"], "one lookup for three waiters");
  core.hostsKnown("k", [], 30);
  assert.deepEqual(rec.take(), []);
  assert.equal(core.nextWakeMs(), 30 + INTERVAL, "the next poll");
  core.timerFired(30 + INTERVAL);
  assert.deepEqual(types(rec.take()), ["lookup"]);
  core.keyChanged("k", 140);
  assert.deepEqual(rec.take(), [], "a lookup is in flight: no second one");
  core.hostsKnown("k", [], 150);
  assert.deepEqual(types(rec.take()), ["lookup"], "asked again at once after the notification");
  core.hostsKnown("k", ["a", "b"], 160);
  assert.deepEqual(types(rec.take()), [
    "hostsSeen",
    "send 1 a",
    "hostsSeen",
    "send 2 b",
    "hostsSeen",
    "send 3 a",
    "send 3 b",
  ]);
  assert.equal(core.waitingKeys, 0);
});

test("delivery core - lookups started by new waiters do not postpone the key's poll: it comes an interval after the first empty answer", () => {
  const { rec, core } = setup();
  core.send("1", "call", "k", 1000, null, null, 0);
  core.hostsKnown("k", [], 0);
  core.send("2", "call", "k", 1000, null, null, 50);
  assert.deepEqual(types(rec.take()), ["lookup", "lookup"], "a joiner with no lookup in flight asks at once");
  core.hostsKnown("k", [], 60);
  assert.equal(core.nextWakeMs(), INTERVAL, "still the poll set by the first empty answer");
  core.timerFired(INTERVAL);
  assert.deepEqual(types(rec.take()), ["lookup"]);
  core.hostsKnown("k", [], 110);
  assert.equal(core.nextWakeMs(), 110 + INTERVAL);
});

test("delivery core - a lookup failure becomes the cause of every waiter's deadline error, marked (matchmaker unavailable)", () => {
  const { rec, core } = setup();
  core.send("1", "call", "k", 300, null, null, 0);
  core.send("2", "cast", "k", 300, null, null, 0);
  rec.take();
  const down = new MatchmakerUnavailable("redis down");
  core.lookupFailed("k", down, 10);
  core.timerFired(300);
  const fx = rec.take().filter((e) => e.type === "settle") as Extract<Fx, { type: "settle" }>[];
  const [call, cast] = fx.map((e) => e.value as Error);
  assert.ok(call instanceof MessagingTimeout);
  assert.equal(call.message, "Timeout while waiting on RPC response for message 1 to k (matchmaker unavailable)");
  assert.equal(call.cause, down);
  assert.ok(cast instanceof MessageDeliveryFailure);
  assert.equal(
    cast.message,
    "cast 2 to k could not be delivered before its deadline (no server available) (matchmaker unavailable)",
  );
  assert.deepEqual([core.stats.timeouts, core.stats.deliveryFailures], [1, 1]);
});

test("delivery core - a failed send tries another host after a fresh lookup; when every host failed this round the request pauses for the interval, then starts a new round", () => {
  const { rec, core } = setup();
  const hosts = Object.freeze(["a", "b"]);
  const r = core.send("1", "cast", "k", 1000, null, null, 0, hosts);
  rec.take();
  core.sendFailed(r, "a", "send-error", new Error("EAGAIN"), 5);
  assert.deepEqual(types(rec.take()), ["lookup"], "every attempt asks for the hosts again");
  core.hostsKnown("k", hosts, 6);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 b"], "the failed host is skipped");
  core.sendFailed(r, "b", "send-error", new Error("EAGAIN"), 7);
  assert.deepEqual(rec.take(), []);
  assert.equal(r.state, "paused");
  assert.equal(core.nextWakeMs(), 7 + INTERVAL);
  core.timerFired(7 + INTERVAL);
  assert.deepEqual(types(rec.take()), ["lookup"]);
  core.hostsKnown("k", hosts, 110);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send 1 a"], "a new round: every host is a candidate again");
  core.sendAccepted(r, "a", 111);
  assert.equal(settled(rec.take()).ok, true);
  assert.equal(core.stats.sendRetries, 2);
});

test("delivery core - retry n allows n resends: the (n + 1)-th failed send settles with MessageDeliveryFailure naming the host and the count", () => {
  const { rec, core } = setup();
  const r = core.send("1", "call", "k", 1000, 1, null, 0, ["a", "b"]);
  rec.take();
  core.sendFailed(r, "a", "closed", new Error("ECLOSED"), 1);
  core.hostsKnown("k", ["a", "b"], 2);
  rec.take();
  const last = new Error("EAGAIN");
  core.sendFailed(r, "b", "host-removed", last, 3);
  const e = settled(rec.take()).value as Error;
  assert.ok(e instanceof MessageDeliveryFailure);
  assert.equal(e.message, "send to b failed after 2 attempt(s)");
  assert.equal(e.cause, last);
});

test("delivery core - the pool's refusals: exhausted settles at once with that error; a socket timeout stops the request and its deadline error names it", () => {
  const { rec, core } = setup((host) => new Error(`no socket for ${host} in time`));
  const exhausted = new MessageDeliveryFailure("pool exhausted");
  const r1 = core.send("1", "cast", "k", 1000, null, null, 0, ["a"]);
  core.sendFailed(r1, "a", "exhausted", exhausted, 1);
  assert.equal(settled(rec.take()).value, exhausted);
  const r2 = core.send("2", "call", "k", 500, null, null, 10, ["a"]);
  core.socketWait(r2, "a", 11);
  core.timerFired(500);
  const e = settled(rec.take()).value as Error;
  assert.ok(e instanceof MessagingTimeout);
  assert.equal((e.cause as Error).message, "no socket for a in time");
  const r3 = core.send("3", "cast", "k", 900, null, null, 600, ["a"]);
  const timeout = new Error("pool timeout");
  core.sendFailed(r3, "a", "socket-timeout", timeout, 700);
  assert.equal(r3.state, "stopped");
  rec.take();
  core.timerFired(900);
  const e3 = settled(rec.take()).value as Error;
  assert.equal(e3.message, "cast 3 to k could not be delivered before its deadline (every send failed)");
  assert.equal(e3.cause, timeout);
});

test("delivery core - a request whose deadline has passed when it is made settles at once and is never sent", () => {
  const { rec, core } = setup();
  core.send("1", "cast", "k", 5, null, null, 5, ["a"]);
  const fx = rec.take();
  assert.deepEqual(types(fx), ["release", "settle"]);
  assert.equal(
    (settled(fx).value as Error).message,
    "cast 1 to k could not be delivered before its deadline (no server available)",
  );
});

test("delivery core - a fanout sends to every host of its snapshot; a closed socket gives a host up, another error sends again after a pause; it fails as soon as every host ended", () => {
  const { rec, core } = setup();
  const f = core.send("f", "fanout", "t", 1000, 0, null, 0, ["a", "b", "c"]);
  assert.deepEqual(types(rec.take()), ["hostsSeen", "send f a", "send f b", "send f c"]);
  core.sendAccepted(f, "a", 1);
  const closed = new Error("ECLOSED");
  core.sendFailed(f, "b", "closed", closed, 2);
  const again = new Error("EAGAIN");
  core.sendFailed(f, "c", "send-error", again, 3);
  assert.deepEqual(rec.take(), [], "retry does not apply to a fanout");
  core.timerFired(3 + INTERVAL);
  assert.deepEqual(types(rec.take()), ["send f c"]);
  core.sendAccepted(f, "c", 110);
  const e = settled(rec.take()).value as Error;
  assert.ok(e instanceof MessageDeliveryFailure);
  assert.equal(e.message, "fanout f to t reached 2 of 3 servers");
  assert.equal(e.cause, again, "the cause is the last failure recorded");
  const g = core.send("g", "fanout", "t", 1000, null, null, 200, ["a", "b"]);
  core.sendAccepted(g, "a", 201);
  core.sendAccepted(g, "b", 202);
  assert.equal(settled(rec.take()).ok, true);
  const h = core.send("h", "fanout", "t", 500, null, null, 300, ["a", "b"]);
  core.sendAccepted(h, "a", 301);
  core.timerFired(500);
  assert.equal(
    (settled(rec.take()).value as Error).message,
    "fanout h to t could not be delivered before its deadline (1 of 2 servers reached)",
  );
});

test("delivery core - a reply naming a cast or an unknown id is stale and changes nothing", () => {
  const { rec, core } = setup();
  const r = core.send("1", "cast", "k", 1000, null, null, 0, ["a"]);
  rec.take();
  core.replyReceived("1", true, "x", 1);
  core.replyReceived("nope", true, "x", 1);
  assert.deepEqual(rec.take(), []);
  assert.equal(core.stats.staleReplies, 2);
  assert.equal(r.state, "sending");
});

test("delivery core - a reply settles a call only from the host it was sent to (or one it left as dead); from any other host it is stale (regression: fuzz)", () => {
  const { rec, core } = setup();
  const r = core.send("1", "call", "k", 1000, null, null, 0, ["a", "b"]);
  core.sendAccepted(r, "a", 1);
  rec.take();
  assert.equal(core.pendingCall("1", "b"), undefined);
  core.replyReceived("1", true, "forged", 2, "b");
  assert.deepEqual(rec.take(), [], "another server's reply is ignored");
  assert.equal(core.stats.staleReplies, 1);
  core.replyReceived("1", true, "pong", 3, "a");
  assert.equal(settled(rec.take()).value, "pong");
});

test("delivery core - close settles every pending request with TransportClosed in the order they were made; later requests are refused at once", () => {
  const { rec, core } = setup();
  core.send("1", "call", "k", 1000, null, null, 0, ["a"]);
  core.send("2", "cast", "j", 1000, null, null, 0);
  rec.take();
  core.close();
  const fx = rec.take();
  assert.deepEqual(types(fx), ["release", "settle", "release", "settle"]);
  const values = fx.filter((e) => e.type === "settle").map((e) => (e as { value: Error }).value);
  assert.deepEqual(
    values.map((v) => [v instanceof TransportClosed, v.message]),
    [
      [true, "transport closed while the request was pending"],
      [true, "transport closed while the request was pending"],
    ],
  );
  assert.equal(core.nextWakeMs(), undefined);
  core.send("3", "call", "k", 1000, null, null, 1, ["a"]);
  assert.ok(settled(rec.take()).value instanceof TransportClosed);
  assert.equal(core.pendingCount, 0);
});

test("delivery core - an effect that calls back into the core is refused (the shell queues such inputs)", () => {
  let core!: DeliveryCore<null>;
  const rec = new Recorder();
  rec.send = (r: DeliveryRequest<null>, host: string) => core.sendAccepted(r, host, 0);
  core = new DeliveryCore<null>(rec, { hostWaitIntervalMs: INTERVAL });
  assert.throws(() => core.send("1", "cast", "k", 1000, null, null, 0, ["a"]), /inside one of its effects/);
  core.timerFired(1);
  assert.equal(core.pendingCount, 1, "the core is usable again after the refusal");
});

test("request lifecycle table - every pending state (awaiting-ack too) is left by its deadline and by close; settled is terminal; every state is reachable from new; every fanout host state is reachable from sending and can still end delivered or given up", () => {
  for (const [state, row] of Object.entries(REQUEST_TRANSITIONS)) {
    if (state === "settled") {
      assert.deepEqual(row, {});
      continue;
    }
    assert.equal(row.expire, "settled", `${state} is not left by the deadline`);
    assert.equal(row.close, "settled", `${state} is not left by close`);
  }
  const seen = new Set(["new"]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of [...seen])
      for (const to of Object.values(REQUEST_TRANSITIONS[s as keyof typeof REQUEST_TRANSITIONS]))
        if (to !== undefined && !seen.has(to)) grew = seen.add(to) !== undefined;
  }
  assert.deepEqual([...seen].sort(), Object.keys(REQUEST_TRANSITIONS).sort());
  assert.deepEqual(FANOUT_HOST_TRANSITIONS.delivered, {});
  assert.deepEqual(FANOUT_HOST_TRANSITIONS["given-up"], {});
  type HostState = keyof typeof FANOUT_HOST_TRANSITIONS;
  const reach = (from: HostState): Set<string> => {
    const out = new Set<string>([from]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const s of [...out])
        for (const to of Object.values(FANOUT_HOST_TRANSITIONS[s as HostState]))
          if (to !== undefined && !out.has(to)) grew = out.add(to) !== undefined;
    }
    return out;
  };
  assert.deepEqual([...reach("sending")].sort(), Object.keys(FANOUT_HOST_TRANSITIONS).sort());
  for (const state of Object.keys(FANOUT_HOST_TRANSITIONS) as HostState[]) {
    const ends = reach(state);
    assert.ok(ends.has("delivered") || ends.has("given-up"), `a fanout host ${state} can never end`);
  }
});
