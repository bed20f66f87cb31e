/**
 * Goal: behaviours of the Redis matchmaker shell that the port contract does not cover:
 * lookups served from the cache (a call costs no Redis round trip), change messages from
 * other processes (and malformed ones) on the change channel, a matchmaker created while
 * Redis is down, and clean shutdown (no timers left, nothing unhandled).
 * Method: RedisMatchmaker instances and transports against a real redis-server.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { getRpcServer, getRpcTransport, MatchmakerUnavailable, RpcClient } from "../../src/index.js";
import {
  createRedisMatchmaker,
  NodeClock,
  transportInternals,
  type RedisMatchmaker,
  type RedisSpec,
} from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

function nextWatch(mm: RedisMatchmaker, key: string, limitMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      stop();
      reject(new Error(`no change for ${key} within ${limitMs} ms`));
    }, limitMs);
    const stop = mm.watch((k) => {
      if (k === key) {
        clearTimeout(guard);
        stop();
        resolve();
      }
    });
  });
}

describe("Redis matchmaker shell", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let spec: RedisSpec;
  before(async () => {
    redis = await startRedis();
    spec = { kind: "redis", host: "127.0.0.1", port: redis.port, db: 0 };
  });
  after(async () => {
    await redis?.stop();
  });

  test("calls on a known topic are routed from the cache: no Redis round trip per call", async () => {
    const topic = `cache-${randomUUID().slice(0, 8)}`;
    const serverT = await getRpcTransport(redis.url);
    const clientT = await getRpcTransport(redis.url, { redisMatchmaker: { lookupCacheTtlMs: 60_000 } });
    try {
      await getRpcServer(serverT, { topic, server: "s" }, [{ ping: () => "pong" }]).start();
      const c = new RpcClient(clientT, { topic }, { timeoutMs: 5000 });
      await c.call({}, "ping");
      const mm = transportInternals(clientT).deps.matchmaker as RedisMatchmaker;
      const before = mm.stats.redisLookups;
      for (let i = 0; i < 50; i++) await c.call({}, "ping");
      assert.equal(mm.stats.redisLookups - before, 0, "50 calls, no lookup sent to Redis");
      assert.ok(mm.stats.cacheHits >= 50);
    } finally {
      await clientT.close();
      await serverT.close();
    }
  });

  test("malformed messages on the change channel are ignored", async () => {
    const mm = await createRedisMatchmaker(spec, new NodeClock(), { keyPrefix: `bad-${randomUUID().slice(0, 8)}:` });
    const other = await createRedisMatchmaker(spec, new NodeClock(), {
      keyPrefix: mm.scheme.indexKey.replace(/keys$/, ""),
    });
    const raw = new Redis({ host: "127.0.0.1", port: redis.port });
    try {
      assert.deepEqual(await mm.getHosts("ex/t"), []);
      for (const junk of [
        "",
        "x",
        "+\tonly-key",
        "*\tex/t\th",
        "+\t\th",
        "+\tex/t\t",
        "a\tb\tc\td",
        "x".repeat(10_000),
      ])
        await raw.publish(mm.scheme.channel, junk);
      const seen = nextWatch(mm, "ex/t");
      await other.register("ex/t", "tcp://h:1", null); // a well-formed change after the junk
      await seen;
      assert.equal(mm.stats.changes, 1, "only the well-formed change was applied");
      assert.deepEqual(await mm.getHosts("ex/t"), ["tcp://h:1"]);
    } finally {
      raw.disconnect();
      await Promise.all([mm.close(), other.close()]);
    }
  });

  test("a matchmaker created while Redis is down starts working, change feed included, once Redis is up", async () => {
    const r = await startRedis();
    const s: RedisSpec = { kind: "redis", host: "127.0.0.1", port: r.port, db: 0 };
    await r.kill();
    const clock = new NodeClock();
    const mm = await createRedisMatchmaker(s, clock);
    try {
      await assert.rejects(mm.getHosts("ex/t"), MatchmakerUnavailable);
      await r.restart();
      const other = await createRedisMatchmaker(s, new NodeClock());
      try {
        // Wait until mm's connections are back (its lookups succeed), then check the change feed.
        for (let i = 0; ; i++) {
          const ok = await mm.getHosts("ex/t").then(
            () => true,
            () => false,
          );
          if (ok) break;
          assert.ok(i < 200, "reconnected within 10 s");
          await new Promise((res) => setTimeout(res, 50));
        }
        const seen = nextWatch(mm, "ex/t");
        await other.register("ex/t", "tcp://h:1", null);
        await seen;
        assert.deepEqual(await mm.getHosts("ex/t"), ["tcp://h:1"]);
      } finally {
        await other.close();
      }
    } finally {
      await mm.close();
      assert.equal(clock.pending, 0, "no timers left after close");
      await r.stop();
    }
  });

  test("after Redis restarts, the matchmaker subscribes again itself (ioredis's autoResubscribe is off) and the change feed resumes; closing as it reconnects leaves nothing unhandled", async () => {
    const r = await startRedis();
    const s: RedisSpec = { kind: "redis", host: "127.0.0.1", port: r.port, db: 0 };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    const mm = await createRedisMatchmaker(s, new NodeClock());
    try {
      await r.kill();
      await r.restart();
      const other = await createRedisMatchmaker(s, new NodeClock());
      try {
        // The feed is back once a change made now reaches mm (its SUBSCRIBE may still be on its way).
        for (let i = 0; ; i++) {
          const seen = nextWatch(mm, "ex/r", 200).then(
            () => true,
            () => false,
          );
          await other.register("ex/r", `tcp://h:${i + 1}`, null);
          if (await seen) break;
          assert.ok(i < 50, "the change feed resumed within 10 s of the restart");
        }
      } finally {
        await other.close();
      }
      // Closing while the subscriber reconnects: ioredis's own resubscription would leave
      // a SUBSCRIBE whose rejection nobody handles.
      for (const delayMs of [0, 2, 5, 10, 20]) {
        const again = await createRedisMatchmaker(s, new NodeClock());
        await r.kill();
        await r.restart();
        await new Promise((res) => setTimeout(res, delayMs));
        await again.close();
      }
      await new Promise((res) => setTimeout(res, 100));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await mm.close();
      await r.stop();
    }
  });

  test("close() with operations in flight: they reject with MatchmakerUnavailable, nothing is left unhandled", async () => {
    const clock = new NodeClock();
    const mm = await createRedisMatchmaker(spec, clock);
    const ops = [mm.getHosts("ex/a"), mm.register("ex/a", "tcp://h:1", 1000), mm.getHosts("ex/b")];
    await mm.close();
    const results = await Promise.allSettled(ops);
    for (const r of results)
      if (r.status === "rejected") assert.ok(r.reason instanceof MatchmakerUnavailable, String(r.reason));
    await assert.rejects(mm.getHosts("ex/a"), MatchmakerUnavailable);
    assert.equal(clock.pending, 0);
  });
});
