/**
 * Property of the whole Redis matchmaker shell (cache, change feed, fetch sharing, scripts)
 * on a real redis-server, with a manual clock as the scripts' time (timeSource "clock"):
 * - visible exactly while refreshed: once change messages have been delivered, a client
 *   view ("b") and the registering view ("a") both answer exactly the model's live hosts,
 *   at every step, whatever the interleaving of registrations, refreshes, expiries and
 *   unregistrations;
 * - never resurrected: a lookup that was in flight while a host was unregistered cannot
 *   bring it back into the client's later answers.
 * "Delivered" is made observable with a marker change on an unused key, published after
 * the operation: the channel is ordered, so when b has seen the marker it has seen the rest.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { Redis } from "ioredis";
import {
  encodeChange,
  openConnections,
  RedisMatchmaker,
  resolveRedisMatchmakerOptions,
  type RedisSpec,
} from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

type Op =
  | { k: "reg"; key: number; host: number; ttl: number | null }
  | { k: "unreg"; key: number; host: number }
  | { k: "adv"; ms: number }
  | { k: "racingUnreg"; key: number; host: number }
  | { k: "racingReg"; key: number; host: number; ttl: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant("reg" as const),
    key: fc.nat(1),
    host: fc.nat(2),
    ttl: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: null, freq: 5 }),
  }),
  fc.record({ k: fc.constant("unreg" as const), key: fc.nat(1), host: fc.nat(2) }),
  fc.record({ k: fc.constant("adv" as const), ms: fc.integer({ min: 0, max: 900 }) }),
  fc.record({ k: fc.constant("racingUnreg" as const), key: fc.nat(1), host: fc.nat(2) }),
  fc.record({
    k: fc.constant("racingReg" as const),
    key: fc.nat(1),
    host: fc.nat(2),
    ttl: fc.integer({ min: 1, max: 2000 }),
  }),
);

const KEYS = ["ex/t0", "ex/t1"];
const host = (h: number): string => `tcp://10.0.0.${h}:1`;

describe("Redis matchmaker shell property", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let raw: Redis;
  before(async () => {
    redis = await startRedis();
    raw = new Redis({ host: "127.0.0.1", port: redis.port });
  });
  after(async () => {
    raw.disconnect();
    await redis?.stop();
  });

  test("redis matchmaker property - both views answer exactly the live hosts at every step; an in-flight lookup never resurrects an unregistered host", async () => {
    const spec: RedisSpec = { kind: "redis", host: "127.0.0.1", port: redis.port, db: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const clock = new ManualClock();
        clock.advance(1_000_000);
        const opts = resolveRedisMatchmakerOptions({
          timeSource: "clock",
          keyPrefix: `shell-${randomUUID().slice(0, 8)}:`,
        });
        const a = new RedisMatchmaker(openConnections(spec, opts), clock, opts);
        const b = new RedisMatchmaker(openConnections(spec, opts), clock, opts);
        const model = new Map<string, Map<string, number>>(KEYS.map((k) => [k, new Map()]));
        const live = (key: string): string[] =>
          [...model.get(key)!]
            .filter(([, e]) => clock.nowMs() < e)
            .map(([h]) => h)
            .sort();
        /** Publishes a marker until b has seen it (the first ones may precede b's SUBSCRIBE). */
        const settle = async (): Promise<void> => {
          const marker = randomUUID();
          let seen = false;
          const stop = b.onChange((c) => {
            if (c.host === marker) seen = true;
          });
          try {
            for (let i = 0; !seen; i++) {
              assert.ok(i < 250, "change feed delivered within 5 s");
              await raw.publish(a.scheme.channel, encodeChange({ op: "+", key: "zz/marker", host: marker }));
              for (let j = 0; j < 20 && !seen; j++) await new Promise((r) => setImmediate(r));
              if (!seen) await new Promise((r) => setTimeout(r, 20));
            }
          } finally {
            stop();
          }
        };
        try {
          await Promise.all([a.ready(), b.ready()]);
          await settle(); // both subscribed
          for (const o of ops) {
            const now = clock.nowMs();
            if (o.k === "adv") {
              clock.advance(o.ms);
            } else if (o.k === "reg") {
              await a.register(KEYS[o.key]!, host(o.host), o.ttl);
              model.get(KEYS[o.key]!)!.set(host(o.host), o.ttl === null ? Infinity : now + o.ttl);
            } else if (o.k === "unreg") {
              await a.unregister(KEYS[o.key]!, host(o.host));
              model.get(KEYS[o.key]!)!.delete(host(o.host));
            } else if (o.k === "racingUnreg") {
              const inFlight = b.getHosts(KEYS[o.key]!);
              await a.unregister(KEYS[o.key]!, host(o.host));
              model.get(KEYS[o.key]!)!.delete(host(o.host));
              await settle();
              await inFlight; // may or may not include it: it raced
            } else {
              const inFlight = b.getHosts(KEYS[o.key]!);
              await a.register(KEYS[o.key]!, host(o.host), o.ttl);
              model.get(KEYS[o.key]!)!.set(host(o.host), now + o.ttl);
              await settle();
              await inFlight;
            }
            await settle();
            for (const key of KEYS) {
              assert.deepEqual(await b.getHosts(key), live(key), `client view of ${key} at ${clock.nowMs()}`);
              assert.deepEqual(await a.getHosts(key), live(key), `registering view of ${key} at ${clock.nowMs()}`);
            }
          }
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      }),
      { numRuns: 40 },
    );
  });
});
