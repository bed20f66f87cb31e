/**
 * Goal: the proxy's forwarding core (src/core/proxy-forwarding.ts) re-frames ROUTE,
 * PUBLISH and BACK as spec/proxy.md's Messages table says, answers an unroutable route
 * with a NO-ROUTE notice, keeps exact-key subscriptions, and drops malformed input with a
 * named reason. Method: frames in, effects out.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { joinBatch } from "../../src/core/batch-frames.js";
import { ProxyCore, type ProxyEffect, type ProxySend } from "../../src/internal.js";

const b = (s: string): Buffer => Buffer.from(s);
const strs = (frames: readonly Buffer[]): string[] => frames.map((f) => f.toString());
const body = (type: string, id = "m1"): Buffer[] => [b("1.0"), b(type), b(id), b("payload")];
const sends = (effects: ProxyEffect[]): ProxySend[] => effects.filter((e): e is ProxySend => e.kind === "send");

test("proxy core - a ROUTE becomes a MESSAGE to the named server, with the client's identity and an empty via", () => {
  const core = new ProxyCore();
  const [e] = sends(core.fromFrontend([b("cli-1"), b(""), b("R"), b("proxied:srv-a"), ...body("1")]));
  assert.equal(e!.side, "backend");
  assert.deepEqual(strs(e!.frames), ["proxied:srv-a", "", "M", "cli-1", "", "1.0", "1", "m1", "payload"]);
  assert.deepEqual(e!.noRoute?.ids.map(String), ["m1"]);
  assert.equal(core.stats.routed, 1);
});

test("proxy core - a ROUTE carrying a batch goes to the server as one MESSAGE with the batch as it came, counted per request", () => {
  const core = new ProxyCore();
  const batch = joinBatch(
    [
      [b(""), ...body("1", "m1")],
      [b(""), ...body("2", "m2")],
    ],
    0,
  );
  const [e] = sends(core.fromFrontend([b("cli-1"), b(""), b("R"), b("proxied:srv-a"), ...batch.slice(1)]));
  assert.deepEqual(strs(e!.frames.slice(0, 6)), ["proxied:srv-a", "", "M", "cli-1", "", "2.0"]);
  assert.ok(e!.frames[6]!.equals(batch[2]!), "the records frame is forwarded untouched");
  assert.equal(core.stats.routed, 2);
});

test("proxy core - an unreachable batch answers one NO-ROUTE naming every request in it", () => {
  const core = new ProxyCore();
  const batch = joinBatch(
    [
      [b(""), ...body("1", "m1")],
      [b(""), ...body("2", "m2")],
    ],
    0,
  );
  const [route] = sends(core.fromFrontend([b("cli-1"), b(""), b("R"), b("proxied:srv-a"), ...batch.slice(1)]));
  const notices = sends(core.unreachable(route!));
  assert.deepEqual(
    notices.map((n) => strs(n.frames)),
    [["cli-1", "", "N", "proxied:srv-a", "m1", "m2"]],
  );
  assert.equal(core.stats.dropped["no-route"], 2);
});

test("proxy core - a batch of replies in a BACK becomes one FROM; a batch in a PUBLISH, a torn batch or a batch with a message of a wrong type is malformed", () => {
  const core = new ProxyCore();
  const replies = joinBatch(
    [
      [b(""), ...body("5", "m1")],
      [b(""), ...body("6", "m2")],
    ],
    0,
  );
  const [back] = sends(core.fromBackend([b("proxied:srv-a"), b(""), b("B"), b("cli-1"), ...replies.slice(1)]));
  assert.deepEqual(strs(back!.frames.slice(0, 5)), ["cli-1", "", "F", "proxied:srv-a", "2.0"]);
  const casts = joinBatch(
    [
      [b(""), ...body("3", "m1")],
      [b(""), ...body("3", "m2")],
    ],
    0,
  );
  const torn = [casts[1]!, casts[2]!.subarray(0, casts[2]!.length - 1)];
  const requestInBack = joinBatch(
    [
      [b(""), ...body("5", "m1")],
      [b(""), ...body("1", "m2")],
    ],
    0,
  );
  const refused = [
    core.fromFrontend([b("cli-1"), b(""), b("P"), b("k"), ...casts.slice(1)]),
    core.fromFrontend([b("cli-1"), b(""), b("R"), b("proxied:srv-a"), ...torn]),
    core.fromBackend([b("proxied:srv-a"), b(""), b("B"), b("cli-1"), ...requestInBack.slice(1)]),
  ];
  for (const effects of refused) assert.deepEqual(effects, [{ kind: "drop", reason: "malformed" }]);
});

test("proxy core - a BACK becomes a FROM to the named client, with the server's identity", () => {
  const core = new ProxyCore();
  const [e] = sends(core.fromBackend([b("proxied:srv-a"), b(""), b("B"), b("cli-1"), ...body("5")]));
  assert.equal(e!.side, "frontend");
  assert.deepEqual(strs(e!.frames), ["cli-1", "", "F", "proxied:srv-a", "1.0", "5", "m1", "payload"]);
});

test("proxy core - an unreachable route answers NO-ROUTE to its client and forgets the server's subscriptions", () => {
  const core = new ProxyCore();
  core.fromBackend([b("proxied:srv-a"), b(""), b("S"), b("k")]);
  const [route] = sends(core.fromFrontend([b("cli-1"), b(""), b("R"), b("proxied:srv-a"), ...body("1")]));
  const [notice] = sends(core.unreachable(route!));
  assert.equal(notice!.side, "frontend");
  assert.deepEqual(strs(notice!.frames), ["cli-1", "", "N", "proxied:srv-a", "m1"]);
  assert.deepEqual(core.subscribersOf("k"), []);
  assert.equal(core.stats.dropped["no-route"], 1);
});

test("proxy core - a PUBLISH reaches the subscribers of exactly its key, compute never gets compute_foo", () => {
  const core = new ProxyCore();
  core.fromBackend([b("s-compute"), b(""), b("S"), b("openstack/compute"), b("openstack/compute/h1")]);
  core.fromBackend([b("s-foo"), b(""), b("S"), b("openstack/compute_foo")]);
  const out = sends(core.fromFrontend([b("cli"), b(""), b("P"), b("openstack/compute_foo"), ...body("3")]));
  assert.deepEqual(
    out.map((e) => e.peer.toString()),
    ["s-foo"],
  );
  assert.equal(out[0]!.frames[4]!.toString(), "openstack/compute_foo");
  const out2 = sends(core.fromFrontend([b("cli"), b(""), b("P"), b("openstack/compute"), ...body("3", "m2")]));
  assert.deepEqual(
    out2.map((e) => e.peer.toString()),
    ["s-compute"],
  );
  // A prefix of a key is no key.
  const none = core.fromFrontend([b("cli"), b(""), b("P"), b("openstack/comp"), ...body("3", "m3")]);
  assert.deepEqual(
    none.map((e) => e.kind),
    ["drop", "send"],
  );
  assert.deepEqual(strs(sends(none)[0]!.frames), ["cli", "", "N", "openstack/comp", "m3"]);
});

test("proxy core - SUBSCRIBE replaces the identity's keys; an empty SUBSCRIBE removes it", () => {
  const core = new ProxyCore();
  core.fromBackend([b("s"), b(""), b("S"), b("a"), b("b")]);
  core.fromBackend([b("s"), b(""), b("S"), b("b"), b("c")]);
  assert.deepEqual([core.subscribersOf("a"), core.subscribersOf("b"), core.subscribersOf("c")], [[], ["s"], ["s"]]);
  core.fromBackend([b("s"), b(""), b("S")]);
  assert.equal(core.subscriberCount, 0);
});

test("proxy core - malformed or unknown input is dropped with its reason and never forwarded", () => {
  const core = new ProxyCore();
  const cases: [Buffer[], "frontend" | "backend", string][] = [
    [[b("cli")], "frontend", "malformed"],
    [[b("cli"), b("x"), b("R"), b("s"), ...body("1")], "frontend", "malformed"],
    [[b("cli"), b(""), b("Z"), b("s"), ...body("1")], "frontend", "unknown-op"],
    [[b("cli"), b(""), b("R"), b(""), ...body("1")], "frontend", "malformed"],
    [[b("cli"), b(""), b("R"), b("s"), b("2.0"), b("1"), b("m"), b("p")], "frontend", "malformed"],
    [[b("cli"), b(""), b("R"), b("s"), ...body("5")], "frontend", "malformed"],
    [[b("cli"), b(""), b("P"), b("k"), ...body("1")], "frontend", "malformed"],
    [[b("cli"), b(""), b("R"), b("s"), ...body("1").slice(0, 3)], "frontend", "malformed"],
    [[b("srv"), b(""), b("B"), b("cli"), ...body("1")], "backend", "malformed"],
    [[b("srv"), b(""), b("R"), b("cli"), ...body("5")], "backend", "unknown-op"],
    [[b("srv"), b(""), b("S"), b("")], "backend", "malformed"],
    [[b("srv"), b(""), b("B"), b(""), ...body("5")], "backend", "malformed"],
  ];
  for (const [frames, side, reason] of cases) {
    const out = side === "frontend" ? core.fromFrontend(frames) : core.fromBackend(frames);
    assert.deepEqual(out, [{ kind: "drop", reason }], `${strs(frames).join("|")} on the ${side}`);
  }
});

test("proxy core - a proxy acting as from before batches (batches false) drops a batch in a ROUTE or a BACK as malformed, and forwards single messages", () => {
  const core = new ProxyCore(false);
  const batch = joinBatch(
    [
      [b(""), ...body("1", "m1")],
      [b(""), ...body("1", "m2")],
    ],
    0,
  );
  assert.deepEqual(core.fromFrontend([b("cli-1"), b(""), b("R"), b("proxied:srv-a"), ...batch.slice(1)]), [
    { kind: "drop", reason: "malformed" },
  ]);
  assert.deepEqual(core.fromBackend([b("proxied:srv-a"), b(""), b("B"), b("cli-1"), ...batch.slice(1)]), [
    { kind: "drop", reason: "malformed" },
  ]);
  assert.equal(sends(core.fromFrontend([b("cli-1"), b(""), b("R"), b("proxied:srv-a"), ...body("1")])).length, 1);
  assert.equal(core.stats.batches, 0);
});
