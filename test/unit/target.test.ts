/**
 * Goal: target naming (the one place a target becomes a matchmaker key) and the target
 * checks oslo's Transport makes. Method: direct calls, plus a property for injectivity.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  checkSendTarget,
  InvalidTarget,
  listenKeys,
  notifyPoolKey,
  notifyPoolsKey,
  poolEntry,
  poolPart,
  poolsOfListing,
  overrideTarget,
  sendKey,
  serverKey,
  topicKey,
} from "../../src/internal.js";

test("target - keys: exchange/topic, exchange/topic/server, default exchange 'openstack'", () => {
  assert.equal(topicKey({ topic: "compute" }), "openstack/compute");
  assert.equal(topicKey({ topic: "compute", exchange: "nova" }), "nova/compute");
  assert.equal(serverKey({ topic: "compute", server: "host-1" }), "openstack/compute/host-1");
});

test("target - sendKey: server key when a server is named, topic key for fanout (fanout ignores server)", () => {
  assert.equal(sendKey({ topic: "t", server: "s" }), "openstack/t/s");
  assert.equal(sendKey({ topic: "t", server: "s", fanout: true }), "openstack/t");
  assert.equal(sendKey({ topic: "t" }), "openstack/t");
});

test("target - a server listens under its topic key and its server key", () => {
  assert.deepEqual(listenKeys({ topic: "t", server: "s", exchange: "e" }), ["e/t", "e/t/s"]);
  assert.throws(() => listenKeys({ topic: "t" }), InvalidTarget);
  assert.throws(() => listenKeys({ server: "s" }), InvalidTarget);
});

test("target - send checks: topic required, call cannot fan out, cast can", () => {
  assert.throws(() => checkSendTarget({}, false), InvalidTarget);
  assert.throws(() => checkSendTarget({ topic: "t", fanout: true }, true), InvalidTarget);
  assert.doesNotThrow(() => checkSendTarget({ topic: "t", fanout: true }, false));
});

test("target - overrideTarget copies and applies only defined overrides", () => {
  const base = { topic: "t", server: "s", version: "1.0" };
  const o = overrideTarget(base, { server: "x", version: undefined });
  assert.deepEqual(o, { topic: "t", server: "x", version: "1.0" });
  assert.deepEqual(base, { topic: "t", server: "s", version: "1.0" }, "base unchanged");
});

test("target property - distinct (exchange, topic, server) never share a key, even with '/' in names", () => {
  const name = fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom("a", "/", "%", "b") });
  fc.assert(
    fc.property(name, name, name, name, name, name, (e1, t1, s1, e2, t2, s2) => {
      const k1 = serverKey({ exchange: e1, topic: t1, server: s1 });
      const k2 = serverKey({ exchange: e2, topic: t2, server: s2 });
      assert.equal(k1 === k2, e1 === e2 && t1 === t2 && s1 === s2);
      assert.notEqual(topicKey({ exchange: e1, topic: t1 }), k2, "a topic key never equals a server key");
    }),
  );
});

test("target property - notification keys: never an RPC key, private and named pools never share one, a listing entry gives back its pool part", () => {
  const name = fc.string({ maxLength: 12 });
  fc.assert(
    fc.property(
      fc.option(name, { nil: undefined }),
      name.filter((s) => s.length > 0),
      fc.constantFrom("info", "error"),
      fc.option(
        name.filter((s) => s.length > 0),
        { nil: undefined },
      ),
      fc.stringMatching(/^[0-9a-f]{32}$/),
      (exchange, topic, priority, pool, id) => {
        const t = { topic, ...(exchange === undefined ? {} : { exchange }) };
        const part = poolPart(pool, id);
        const listing = notifyPoolsKey(t, priority);
        const poolKey = notifyPoolKey(t, priority, part);
        for (const k of [listing, poolKey]) {
          assert.ok(k.startsWith("notify:"));
          assert.notEqual(k, topicKey({ ...t, topic: `${topic}.${priority}` }));
        }
        if (pool !== undefined) {
          assert.ok(!part.includes(":") && !part.includes("@"), "a named pool's part");
          assert.notEqual(part, poolPart(undefined, id), "never a private pool's");
        } else assert.equal(part, `:${id}`);
        assert.deepEqual(poolsOfListing([poolEntry(part, "tcp://127.0.0.1:5000"), poolEntry(part, "tcp://h@x:1")]), [
          part,
        ]);
      },
    ),
  );
  assert.equal(notifyPoolsKey({ topic: "notifications" }, "info"), "notify:openstack/notifications.info");
  assert.equal(notifyPoolKey({ topic: "n" }, "info", poolPart("billing", "x")), "notify:openstack/n.info/billing");
  assert.deepEqual(poolsOfListing(["a@tcp://1", "garbage", "@x", "b@tcp://2", "a@tcp://3"]), ["a", "b"]);
});
