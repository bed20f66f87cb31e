/**
 * Goal: with keyScheme "oslo", Redis holds exactly what oslo.messaging's zmq driver
 * writes, and this driver reads what oslo writes (zmq_matchmaker_redis.py at rocky-eol:
 * `register` = `_sadd(key, host, expire)` + `_sadd(host, ' ', expire)` for
 * `ROUTER/<topic>/<server cut at @>` and `ROUTER/<topic>`; `_smembers` keeps members whose
 * liveness key has TTL >= -1). The oslo side is replayed here as the Redis commands its
 * source sends; test/interop/oslo-python.test.ts runs the real Python driver.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import {
  listenKeys,
  notifyPoolKey,
  notifyPoolsKey,
  osloPoolPart,
  poolEntry,
  NodeClock,
  openConnections,
  osloSetKey,
  RedisMatchmaker,
  resolveRedisMatchmakerOptions,
  topicKey,
} from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

describe("redis matchmaker, keyScheme oslo", { skip: redisSkipReason() ?? false, timeout: 60_000 }, () => {
  let redis: RedisProcess;
  let raw: Redis;
  const open = async (): Promise<RedisMatchmaker> => {
    const o = resolveRedisMatchmakerOptions({ keyScheme: "oslo", lookupCacheTtlMs: 0 });
    const mm = new RedisMatchmaker(
      openConnections({ kind: "redis", host: "127.0.0.1", port: redis.port, db: 0 }, o),
      new NodeClock(),
      o,
    );
    await mm.ready();
    return mm;
  };
  /** A listener of this driver in pool "billing" for notifications.info, registered as the listener role does: its pool key and the topic's listing. */
  const notifications = { topic: "notifications" };
  const listing = notifyPoolsKey(notifications, "info");
  const registerBilling = async (mm: RedisMatchmaker, entry: string): Promise<void> => {
    await mm.register(notifyPoolKey(notifications, "info", "billing"), entry, 300_000);
    await mm.register(listing, poolEntry("billing", entry), 300_000);
  };
  before(async () => {
    redis = await startRedis();
    raw = new Redis({ host: "127.0.0.1", port: redis.port });
  });
  after(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  test("oslo-key-scheme - key names: exchange dropped, server cut at @, non-RPC keys left native", () => {
    const t = { exchange: "nova", topic: "compute", server: "node-1@lvm" };
    const [topic, server] = listenKeys(t) as [string, string];
    assert.equal(osloSetKey(topic), "ROUTER/compute");
    assert.equal(osloSetKey(server), "ROUTER/compute/node-1");
    assert.equal(osloSetKey(topicKey({ topic: "a b/c" })), "ROUTER/a b/c");
    assert.equal(osloSetKey("notify:openstack/notifications.info"), undefined);
  });

  test("oslo-key-scheme - a server's registration is oslo's SETs, liveness keys and EXPIREs", async () => {
    await raw.flushdb();
    const mm = await open();
    try {
      const [topic, server] = listenKeys({ topic: "compute", server: "node-1@backend" }) as [string, string];
      for (const k of [server, topic]) await mm.register(k, "tcp://127.0.0.1:49200", 300_000);
      assert.deepEqual((await raw.keys("*")).sort(), ["127.0.0.1:49200", "ROUTER/compute", "ROUTER/compute/node-1"]);
      for (const k of ["ROUTER/compute", "ROUTER/compute/node-1"]) {
        assert.equal(await raw.type(k), "set");
        assert.deepEqual(await raw.smembers(k), ["127.0.0.1:49200"]);
        const ttl = await raw.ttl(k);
        assert.ok(ttl > 290 && ttl <= 300, `${k} TTL ${ttl}`);
      }
      assert.deepEqual(await raw.smembers("127.0.0.1:49200"), [" "]);
      assert.ok((await raw.ttl("127.0.0.1:49200")) > 290);
      // Without TTL (oslo: expire <= 0): no EXPIRE at all.
      await mm.register(topicKey({ topic: "forever" }), "tcp://127.0.0.1:49201", null);
      assert.equal(await raw.ttl("ROUTER/forever"), -1);
      assert.equal(await raw.ttl("127.0.0.1:49201"), -1);
      // Unregister: SREM from the SET; the liveness key goes with the host's last registration.
      await mm.unregister(server, "tcp://127.0.0.1:49200");
      assert.deepEqual(await raw.smembers("ROUTER/compute/node-1"), []);
      assert.equal(await raw.exists("127.0.0.1:49200"), 1, "still registered under ROUTER/compute");
      await mm.unregister(topic, "tcp://127.0.0.1:49200");
      assert.equal(await raw.exists("127.0.0.1:49200"), 0);
    } finally {
      await mm.close();
    }
  });

  test("oslo-key-scheme - what oslo writes is read as tcp:// hosts; dead members are skipped", async () => {
    await raw.flushdb();
    // oslo's register(Target(topic="compute", server="node-2"), "node-2:49300", "ROUTER", 300)
    for (const key of ["ROUTER/compute/node-2", "ROUTER/compute"]) {
      await raw.sadd(key, "node-2:49300");
      await raw.expire(key, 300);
      await raw.sadd("node-2:49300", " ");
      await raw.expire("node-2:49300", 300);
    }
    // A member whose liveness key is gone (a crashed server), and a member that is no address.
    await raw.sadd("ROUTER/compute", "node-3:49400", "garbage");
    const mm = await open();
    try {
      assert.deepEqual(await mm.getHosts(topicKey({ topic: "compute" })), ["tcp://node-2:49300"]);
      assert.deepEqual(await mm.getHosts(listenKeys({ topic: "compute", server: "node-2" })[1] as string), [
        "tcp://node-2:49300",
      ]);
      assert.deepEqual(await mm.getHosts(topicKey({ exchange: "any", topic: "compute" })), ["tcp://node-2:49300"]);
    } finally {
      await mm.close();
    }
  });

  test("oslo-key-scheme - a registration expires with its liveness key (EXPIRE in whole seconds)", async () => {
    await raw.flushdb();
    const mm = await open();
    try {
      const key = topicKey({ topic: "short" });
      await mm.register(key, "tcp://127.0.0.1:49500", 1000);
      assert.equal(await raw.ttl("127.0.0.1:49500"), 1);
      assert.deepEqual(await mm.getHosts(key), ["tcp://127.0.0.1:49500"]);
      // Redis expires the key on its own clock; wait for it (bounded), then look again.
      for (let i = 0; i < 40 && (await raw.exists("127.0.0.1:49500")) === 1; i++) await sleep(100);
      assert.equal(await raw.exists("127.0.0.1:49500"), 0);
      assert.deepEqual(await mm.getHosts(key), []);
    } finally {
      await mm.close();
    }
  });

  test("oslo-key-scheme - notifications: listeners also in oslo's ROUTER/<topic>.<priority>; oslo's listeners are pools of their own", async () => {
    await raw.flushdb();
    const mm = await open();
    try {
      const t = notifications;
      await registerBilling(mm, "tcp://127.0.0.1:49600");
      assert.deepEqual(await raw.smembers("ROUTER/notifications.info"), ["127.0.0.1:49600"]);
      assert.deepEqual(await raw.smembers("127.0.0.1:49600"), [" "]);
      // oslo's ZmqNotificationServer registers Target(topic="notifications.info") this way.
      await raw.sadd("ROUTER/notifications.info", "py-node:49700");
      await raw.expire("ROUTER/notifications.info", 300);
      await raw.sadd("py-node:49700", " ");
      await raw.expire("py-node:49700", 300);
      const python = osloPoolPart("py-node:49700");
      assert.deepEqual(await mm.getHosts(listing), [
        `${python}@tcp://py-node:49700`,
        poolEntry("billing", "tcp://127.0.0.1:49600"),
      ]);
      assert.deepEqual(await mm.getHosts(notifyPoolKey(t, "info", python)), ["tcp://py-node:49700"]);
      assert.deepEqual(await mm.getHosts(notifyPoolKey(t, "info", "billing")), ["tcp://127.0.0.1:49600"]);
      await mm.unregister(listing, poolEntry("billing", "tcp://127.0.0.1:49600"));
      assert.deepEqual(await raw.smembers("ROUTER/notifications.info"), ["py-node:49700"]);
    } finally {
      await mm.close();
    }
  });

  test("oslo-key-scheme - a listener here whose entry carries #wire=2 is one pool, not also one of oslo's", async () => {
    await raw.flushdb();
    const mm = await open();
    try {
      const entry = "tcp://127.0.0.1:49601#wire=2"; // what a listener of this driver registers (spec/codec.md, Batches)
      await registerBilling(mm, entry);
      assert.deepEqual(await raw.smembers("ROUTER/notifications.info"), ["127.0.0.1:49601"]);
      // Its bare oslo member names the same listener: a notifier here sends it one copy.
      assert.deepEqual(await mm.getHosts(listing), [poolEntry("billing", entry)]);
    } finally {
      await mm.close();
    }
  });

  test("oslo-key-scheme - the option is validated and defaults to native", () => {
    assert.equal(resolveRedisMatchmakerOptions({}).keyScheme, "native");
    assert.throws(() => resolveRedisMatchmakerOptions({ keyScheme: "python" as never }), RangeError);
  });
});
