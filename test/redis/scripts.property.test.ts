/**
 * Properties of the matchmaker's Lua scripts (src/matchmaker/redis/scripts.ts) on a real
 * redis-server, with a fake clock passed as the scripts' now:
 * - visible exactly while refreshed: LOOKUP returns a host iff now < (latest register +
 *   ttl), or it was registered without TTL, and no unregister followed; the expiry it
 *   reports is exactly that;
 * - expiry and pruning never resurrect an unregistered host;
 * - the key index lists a key iff it has a live host;
 * - after every write, the whole Redis key expires no earlier than its last member (and not
 *   at all when a member has no TTL), and an emptied key is gone;
 * - the change channel carries "+" exactly when a host became visible (or its expiry moved
 *   earlier) and "-" exactly when an unregister removed a stored member, in order.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { Redis } from "ioredis";
import {
  encodeChange,
  keyScheme,
  LOOKUP_LUA,
  parseLookupReply,
  REGISTER_LUA,
  UNREGISTER_LUA,
  type Change,
} from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

type Op =
  | { k: "reg"; key: number; host: number; ttl: number | null }
  | { k: "unreg"; key: number; host: number }
  | { k: "adv"; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant("reg" as const),
    key: fc.nat(1),
    host: fc.nat(3),
    ttl: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null, freq: 5 }),
  }),
  fc.record({ k: fc.constant("unreg" as const), key: fc.nat(1), host: fc.nat(3) }),
  fc.record({ k: fc.constant("adv" as const), ms: fc.integer({ min: 0, max: 6 }) }),
);

const GRACE = 60_000;

/** The scripts' semantics, written plainly: stored members (pruned on writes) with expiries. */
class Model {
  readonly keys = new Map<string, Map<string, number>>();
  private stored(key: string): Map<string, number> {
    let m = this.keys.get(key);
    if (!m) {
      m = new Map();
      this.keys.set(key, m);
    }
    return m;
  }
  private prune(key: string, now: number): void {
    const m = this.stored(key);
    for (const [h, e] of m) if (e <= now) m.delete(h);
  }
  live(key: string, now: number): [string, number][] {
    return [...this.stored(key)].filter(([, e]) => now < e).sort(([a], [b]) => (a < b ? -1 : 1));
  }
  register(key: string, host: string, ttl: number | null, now: number): Change | undefined {
    const m = this.stored(key);
    const prev = m.get(host);
    const before = prev !== undefined && now < prev;
    const exp = ttl === null ? Infinity : now + ttl;
    m.set(host, exp);
    this.prune(key, now);
    return now < exp && (!before || exp < prev!) ? { op: "+", key, host } : undefined;
  }
  unregister(key: string, host: string, now: number): Change | undefined {
    const had = this.stored(key).delete(host);
    this.prune(key, now);
    return had ? { op: "-", key, host } : undefined;
  }
  maxExpiry(key: string): number | undefined {
    const m = this.stored(key);
    return m.size === 0 ? undefined : Math.max(...m.values());
  }
}

describe("redis matchmaker scripts", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let cmd: Redis;
  let sub: Redis;
  before(async () => {
    redis = await startRedis();
    cmd = new Redis({ port: redis.port, host: "127.0.0.1" });
    sub = new Redis({ port: redis.port, host: "127.0.0.1" });
    cmd.defineCommand("mmRegister", { numberOfKeys: 2, lua: REGISTER_LUA });
    cmd.defineCommand("mmUnregister", { numberOfKeys: 2, lua: UNREGISTER_LUA });
    cmd.defineCommand("mmLookup", { numberOfKeys: 1, lua: LOOKUP_LUA });
  });
  after(async () => {
    sub.disconnect();
    cmd.disconnect();
    await redis.stop();
  });

  test("redis scripts property - visible exactly while refreshed, never resurrected; index, key expiry and change messages agree", async () => {
    const c = cmd as Redis & Record<string, (...a: string[]) => Promise<unknown>>;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const scheme = keyScheme(`prop-${randomUUID().slice(0, 8)}:`, 0);
        const received: string[] = [];
        const onMessage = (ch: string, m: string): void => {
          if (ch === scheme.channel) received.push(m);
        };
        sub.on("message", onMessage);
        await sub.subscribe(scheme.channel);
        const model = new Model();
        const expected: string[] = [];
        let now = 1_000_000;
        const keyName = (k: number): string => `ex/t${k}`;
        /** What both membership scripts begin with (src/matchmaker/redis/connection.ts, MembershipArgs). */
        const args = (key: string, host: string): string[] => [
          scheme.hostsKey(key),
          scheme.indexKey,
          String(now),
          String(GRACE),
          scheme.channel,
          key,
          host,
        ];
        const checkKey = async (key: string): Promise<void> => {
          const exists = await cmd.exists(scheme.hostsKey(key));
          const max = model.maxExpiry(key);
          if (max === undefined) assert.equal(exists, 0, `${key}: emptied key is gone`);
          else if (max === Infinity)
            assert.equal(await cmd.pttl(scheme.hostsKey(key)), -1, `${key}: no expiry while a member has no TTL`);
          else {
            const pttl = await cmd.pttl(scheme.hostsKey(key));
            assert.ok(
              pttl > max - now && pttl <= max - now + GRACE,
              `${key}: PTTL ${pttl} covers the last member (${max - now} ms)`,
            );
          }
        };
        try {
          for (const o of ops) {
            if (o.k === "adv") {
              now += o.ms;
            } else if (o.k === "reg") {
              const key = keyName(o.key);
              const host = `tcp://h${o.host}:1`;
              const r = await c.mmRegister!(...args(key, host), o.ttl === null ? "-1" : String(o.ttl));
              const ch = model.register(key, host, o.ttl, now);
              assert.equal(r, ch ? 1 : 0, "register reports whether it published");
              if (ch) expected.push(encodeChange(ch));
              await checkKey(key);
            } else if (o.k === "unreg") {
              const key = keyName(o.key);
              const host = `tcp://h${o.host}:1`;
              const r = await c.mmUnregister!(...args(key, host));
              const ch = model.unregister(key, host, now);
              assert.equal(r, ch ? 1 : 0, "unregister reports whether it removed");
              if (ch) expected.push(encodeChange(ch));
              await checkKey(key);
            }
            // Every step ends with a lookup of both keys and of the index.
            for (const key of [0, 1].map(keyName)) {
              const reply = parseLookupReply(await c.mmLookup!(scheme.hostsKey(key), String(now)));
              assert.equal(reply.nowMs, now);
              assert.deepEqual(
                reply.members
                  .map((m): [string, number] => [m.member, m.expiresAtMs])
                  .sort(([a], [b]) => (a < b ? -1 : 1)),
                model.live(key, now),
                `lookup of ${key} at ${now}`,
              );
            }
            const index = parseLookupReply(await c.mmLookup!(scheme.indexKey, String(now)));
            const listed = index.members.map((m) => m.member).sort();
            const withLive = [0, 1].map(keyName).filter((k) => model.live(k, now).length > 0);
            assert.deepEqual(listed, withLive, "index lists exactly the keys with a live host");
          }
          // Pub/sub keeps order per connection: a marker published last arrives last.
          const marker = `end-${randomUUID()}`;
          const got = new Promise<void>((resolve) => {
            const h = (ch: string, m: string): void => {
              if (ch === scheme.channel && m === marker) {
                sub.off("message", h);
                resolve();
              }
            };
            sub.on("message", h);
          });
          await cmd.publish(scheme.channel, marker);
          await got;
          assert.deepEqual(
            received.filter((m) => m !== marker),
            expected,
            "change messages",
          );
        } finally {
          sub.off("message", onMessage);
          await sub.unsubscribe(scheme.channel);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("scripts use the Redis server's TIME when no now is passed", async () => {
    const c = cmd as Redis & Record<string, (...a: string[]) => Promise<unknown>>;
    const scheme = keyScheme(`time-${randomUUID().slice(0, 8)}:`, 0);
    const [sec, usec] = await cmd.time();
    const before = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    await c.mmRegister!(
      scheme.hostsKey("ex/t"),
      scheme.indexKey,
      "",
      String(GRACE),
      scheme.channel,
      "ex/t",
      "tcp://h:1",
      "3000",
    );
    const reply = parseLookupReply(await c.mmLookup!(scheme.hostsKey("ex/t"), ""));
    assert.ok(reply.nowMs >= before, "now comes from TIME");
    const exp = reply.members[0]!.expiresAtMs;
    assert.ok(exp >= before + 3000 && exp <= reply.nowMs + 3000, `expiry ${exp} is register time + 3000`);
  });
});
