/**
 * Properties of the Redis matchmaker's lookup cache (src/matchmaker/redis/lookup-cache.ts),
 * with a fake clock and a model of one Redis key:
 * - while Redis is reachable and change messages are delivered, every cache hit equals
 *   what Redis would answer at that moment (fresh or stale-but-live): no expired host, no
 *   unregistered host, no missing new host;
 * - a lookup right after a stored fetch is served from the cache (the cache does its job);
 * - a fetch overtaken by a change is refused, so it cannot put back an unregistered host;
 * - while Redis is unreachable, a hit is the last fetched hosts minus "-" changes.
 * The model works in "server time" (now + a random skew), as Redis's TIME would.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { LookupCache, type Change, type LookupReply } from "../../src/internal.js";

const KEY = "ex/t";
type Op =
  | { k: "reg"; host: number; ttl: number | null }
  | { k: "unreg"; host: number }
  | { k: "adv"; ms: number }
  | { k: "fetch" }
  | { k: "overtaken"; host: number; unreg: boolean }
  | { k: "look" }
  | { k: "lookDown" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant("reg" as const), host: fc.nat(3), ttl: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: null, freq: 4 }) }),
  fc.record({ k: fc.constant("unreg" as const), host: fc.nat(3) }),
  fc.record({ k: fc.constant("adv" as const), ms: fc.integer({ min: 0, max: 1500 }) }),
  fc.constant({ k: "fetch" as const }),
  fc.record({ k: fc.constant("overtaken" as const), host: fc.nat(3), unreg: fc.boolean() }),
  fc.constant({ k: "look" as const }),
  fc.constant({ k: "lookDown" as const }),
);

/** One Redis key as the Lua scripts treat it: host -> expiry in server time. */
class KeyModel {
  readonly members = new Map<string, number>();
  constructor(private readonly skew: number) {}
  server(now: number): number {
    return now + this.skew;
  }
  visible(now: number): string[] {
    const t = this.server(now);
    return [...this.members].filter(([, e]) => t < e).map(([h]) => h).sort();
  }
  /** REGISTER_LUA's publish rule: "+" when the host became visible or its expiry moved earlier. */
  register(host: string, ttl: number | null, now: number): Change | undefined {
    const t = this.server(now);
    const prev = this.members.get(host);
    const before = prev !== undefined && t < prev;
    const exp = ttl === null ? Infinity : t + ttl;
    this.members.set(host, exp);
    return t < exp && (!before || exp < prev!) ? { op: "+", key: KEY, host } : undefined;
  }
  unregister(host: string): Change | undefined {
    return this.members.delete(host) ? { op: "-", key: KEY, host } : undefined;
  }
  reply(now: number): LookupReply {
    const t = this.server(now);
    return { nowMs: t, members: [...this.members].filter(([, e]) => t < e).map(([member, expiresAtMs]) => ({ member, expiresAtMs })) };
  }
}

test("redis lookup cache property - with changes delivered, every hit equals Redis's answer; overtaken fetches are refused; outages serve the last hosts", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 1000 }), (ops, skew, freshFor) => {
      const cache = new LookupCache(freshFor);
      const redis = new KeyModel(skew);
      let now = 1000;
      let lastSeen: Set<string> | undefined;
      const deliver = (c: Change | undefined): void => {
        if (!c) return;
        cache.apply(c);
        if (c.op === "-") lastSeen?.delete(c.host);
      };
      for (const o of ops) {
        switch (o.k) {
          case "reg":
            deliver(redis.register(`h${o.host}`, o.ttl, now));
            break;
          case "unreg":
            deliver(redis.unregister(`h${o.host}`));
            break;
          case "adv":
            now += o.ms;
            break;
          case "fetch": {
            const token = cache.beginFetch(KEY, now);
            const reply = redis.reply(now);
            assert.equal(cache.store(token, reply), true, "an undisturbed fetch is stored");
            lastSeen = new Set(reply.members.map((m) => m.member));
            const a = cache.answer(KEY, now, true);
            if (freshFor > 0) {
              assert.equal(a.kind, "hit", "a lookup right after a fetch is served from the cache");
            }
            break;
          }
          case "overtaken": {
            const token = cache.beginFetch(KEY, now);
            const reply = redis.reply(now);
            const c = o.unreg ? redis.unregister(`h${o.host}`) : redis.register(`h${o.host}`, 1000, now);
            deliver(c);
            if (c) assert.equal(cache.store(token, reply), false, "a fetch overtaken by a change is refused");
            break;
          }
          case "look": {
            const a = cache.answer(KEY, now, true);
            if (a.kind === "hit") assert.deepEqual(a.hosts, redis.visible(now), `hit at ${now} equals Redis`);
            break;
          }
          case "lookDown": {
            const a = cache.answer(KEY, now, false);
            if (a.kind === "hit") {
              assert.ok(lastSeen, "no hit before any fetch");
              assert.deepEqual(a.hosts, [...lastSeen].sort(), "outage hit = last fetched hosts minus removals");
              assert.equal(a.refresh, true, "an outage hit still asks for a background retry");
            } else {
              assert.ok(!lastSeen || lastSeen.size === 0, "outage miss only when nothing is known");
            }
            break;
          }
        }
      }
    }),
    { numRuns: 300 },
  );
});

test("redis lookup cache property - a host is served exactly while its registration is refreshed, never after its expiry", () => {
  // One server refreshing on a schedule, a client looking up (and fetching on misses) at
  // random times: every answer the client gets contains the host iff Redis holds it live.
  fc.assert(
    fc.property(
      fc.array(fc.record({ adv: fc.integer({ min: 0, max: 1200 }), refresh: fc.boolean(), look: fc.boolean() }), { maxLength: 60 }),
      fc.integer({ min: 100, max: 3000 }),
      fc.integer({ min: 0, max: 800 }),
      (steps, ttl, freshFor) => {
        const cache = new LookupCache(freshFor);
        const redis = new KeyModel(0);
        let now = 0;
        const lookup = (): string[] => {
          const a = cache.answer(KEY, now, true);
          if (a.kind === "hit") return a.hosts;
          const token = cache.beginFetch(KEY, now);
          cache.store(token, redis.reply(now));
          const b = cache.answer(KEY, now, true);
          return b.kind === "hit" ? b.hosts : [];
        };
        const c = redis.register("h", ttl, now);
        if (c) cache.apply(c);
        let lastRefresh = 0;
        for (const s of steps) {
          now += s.adv;
          if (s.refresh) {
            const ch = redis.register("h", ttl, now);
            if (ch) cache.apply(ch);
            lastRefresh = now;
          }
          if (s.look) assert.deepEqual(lookup(), now < lastRefresh + ttl ? ["h"] : [], `at ${now}, refreshed at ${lastRefresh}, ttl ${ttl}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
