/**
 * Properties of the Redis matchmaker's lookup cache (src/matchmaker/redis/lookup-cache.ts),
 * with a fake clock and a model of one Redis key:
 * - while Redis is reachable and change messages are delivered, every cache hit equals
 *   what Redis would answer at that moment (fresh or stale-but-live): no expired host, no
 *   unregistered host, no missing new host;
 * - a lookup right after a stored fetch is served from the cache (the cache does its job);
 * - a fetch overtaken by a change is refused, so it cannot put back an unregistered host;
 * - while Redis is unreachable, a hit is the last fetched hosts minus "-" changes;
 * - a host reported down (markDown) is in no hit until it was registered again after
 *   the report; hosts never reported down are unaffected (the two rules above hold exactly
 *   for them).
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
  | { k: "lookDown" }
  | { k: "down"; host: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant("reg" as const),
    host: fc.nat(3),
    ttl: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: null, freq: 4 }),
  }),
  fc.record({ k: fc.constant("unreg" as const), host: fc.nat(3) }),
  fc.record({ k: fc.constant("adv" as const), ms: fc.integer({ min: 0, max: 1500 }) }),
  fc.constant({ k: "fetch" as const }),
  fc.record({ k: fc.constant("overtaken" as const), host: fc.nat(3), unreg: fc.boolean() }),
  fc.constant({ k: "look" as const }),
  fc.constant({ k: "lookDown" as const }),
  fc.record({ k: fc.constant("down" as const), host: fc.nat(3) }),
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
    return [...this.members]
      .filter(([, e]) => t < e)
      .map(([h]) => h)
      .sort();
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
    return {
      nowMs: t,
      members: [...this.members].filter(([, e]) => t < e).map(([member, expiresAtMs]) => ({ member, expiresAtMs })),
    };
  }
}

/** hit must contain exactly `expected`, except hosts in `downed`, which it may leave out. */
function assertHit(hit: string[], expected: string[], downed: Set<string>, what: string): void {
  assert.deepEqual(
    hit.filter((h) => !downed.has(h)),
    expected.filter((h) => !downed.has(h)),
    what,
  );
  for (const h of hit) assert.ok(expected.includes(h), `${what}: ${h} is not expected`);
}

test("redis lookup cache property - with changes delivered, every hit equals Redis's answer; overtaken fetches are refused; outages serve the last hosts; a host reported down stays out until it registers again", () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 80 }),
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.integer({ min: 0, max: 1000 }),
      (ops, skew, freshFor) => {
        const cache = new LookupCache(freshFor);
        const redis = new KeyModel(skew);
        let now = 1000;
        let lastSeen: Set<string> | undefined;
        const downAt = new Map<string, number>();
        const regAt = new Map<string, number>();
        const downed = new Set<string>();
        let withTtl = new Set<string>();
        let step = 0;
        const checkDown = (hosts: string[], what: string): void => {
          for (const h of hosts) {
            const d = downAt.get(h);
            if (d !== undefined)
              assert.ok((regAt.get(h) ?? -1) > d, `${what}: ${h} reported down at step ${d}, not registered since`);
          }
        };
        const deliver = (c: Change | undefined): void => {
          if (!c) return;
          cache.apply(c);
          if (c.op === "-") lastSeen?.delete(c.host);
        };
        for (const o of ops) {
          step++;
          switch (o.k) {
            case "reg":
              regAt.set(`h${o.host}`, step);
              deliver(redis.register(`h${o.host}`, o.ttl, now));
              break;
            case "down":
              cache.markDown(`h${o.host}`);
              // Only a host the cache holds with a TTL can be reported down (a sender got it from the cache).
              if (lastSeen?.has(`h${o.host}`) && withTtl.has(`h${o.host}`) && !downAt.has(`h${o.host}`)) {
                downAt.set(`h${o.host}`, step);
                downed.add(`h${o.host}`);
              }
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
              withTtl = new Set(reply.members.filter((m) => m.expiresAtMs !== Infinity).map((m) => m.member));
              // A stored fetch in which a reported host is gone ends its report.
              for (const h of [...downAt.keys()]) if (!lastSeen.has(h)) downAt.delete(h);
              const a = cache.answer(KEY, now, true);
              if (freshFor > 0) {
                assert.equal(a.kind, "hit", "a lookup right after a fetch is served from the cache");
              }
              break;
            }
            case "overtaken": {
              const token = cache.beginFetch(KEY, now);
              const reply = redis.reply(now);
              if (!o.unreg) regAt.set(`h${o.host}`, step);
              const c = o.unreg ? redis.unregister(`h${o.host}`) : redis.register(`h${o.host}`, 1000, now);
              deliver(c);
              if (c) assert.equal(cache.store(token, reply), false, "a fetch overtaken by a change is refused");
              break;
            }
            case "look": {
              const a = cache.answer(KEY, now, true);
              if (a.kind === "hit") {
                assertHit(a.hosts, redis.visible(now), downed, `hit at ${now} equals Redis`);
                checkDown(a.hosts, "hit");
              }
              break;
            }
            case "lookDown": {
              const a = cache.answer(KEY, now, false);
              if (a.kind === "hit") {
                assert.ok(lastSeen, "no hit before any fetch");
                assertHit(a.hosts, [...lastSeen].sort(), downed, "outage hit = last fetched hosts minus removals");
                checkDown(a.hosts, "outage hit");
                assert.equal(a.refresh, true, "an outage hit still asks for a background retry");
              } else {
                assert.ok(
                  !lastSeen || [...lastSeen].every((h) => downed.has(h)),
                  "outage miss only when nothing usable is known",
                );
              }
              break;
            }
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("redis lookup cache property - a host is served exactly while its registration is refreshed, never after its expiry", () => {
  // One server refreshing on a schedule, a client looking up (and fetching on misses) at
  // random times: every answer the client gets contains the host iff Redis holds it live.
  fc.assert(
    fc.property(
      fc.array(fc.record({ adv: fc.integer({ min: 0, max: 1200 }), refresh: fc.boolean(), look: fc.boolean() }), {
        maxLength: 60,
      }),
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
          if (s.look)
            assert.deepEqual(
              lookup(),
              now < lastRefresh + ttl ? ["h"] : [],
              `at ${now}, refreshed at ${lastRefresh}, ttl ${ttl}`,
            );
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("redis lookup cache property - a host reported down is served again only after Redis shows it refreshed after the report", () => {
  // Two servers refreshing (or not) with a 3000 ms TTL, a client that fetches and looks
  // up, and disconnect reports for either server at any time.
  type DOp =
    | { k: "refresh"; host: number }
    | { k: "down"; host: number }
    | { k: "fetch" }
    | { k: "look" }
    | { k: "adv"; ms: number };
  const dop: fc.Arbitrary<DOp> = fc.oneof(
    fc.record({ k: fc.constant("refresh" as const), host: fc.nat(1) }),
    fc.record({ k: fc.constant("down" as const), host: fc.nat(1) }),
    fc.constant({ k: "fetch" as const }),
    fc.constant({ k: "look" as const }),
    fc.record({ k: fc.constant("adv" as const), ms: fc.integer({ min: 0, max: 400 }) }),
  );
  fc.assert(
    fc.property(fc.array(dop, { maxLength: 60 }), fc.integer({ min: 1, max: 1000 }), (ops, freshFor) => {
      const cache = new LookupCache(freshFor);
      const redis = new KeyModel(0);
      let now = 0;
      for (const h of ["h0", "h1"]) redis.register(h, 3000, now);
      cache.store(cache.beginFetch(KEY, now), redis.reply(now));
      /** host -> step of its latest down report that the cache took (it held the host). */
      const downAt = new Map<string, number>();
      /** host -> its expiry in Redis as seen by the first stored fetch after its latest report. */
      const seenAfter = new Map<string, number>();
      let held = new Set(["h0", "h1"]);
      ops.forEach((o, step) => {
        if (o.k === "adv") now += o.ms;
        else if (o.k === "refresh") {
          const c = redis.register(`h${o.host}`, 3000, now);
          if (c) cache.apply(c);
        } else if (o.k === "down") {
          cache.markDown(`h${o.host}`);
          if (held.has(`h${o.host}`) && !downAt.has(`h${o.host}`)) {
            downAt.set(`h${o.host}`, step);
            seenAfter.delete(`h${o.host}`);
          }
        } else if (o.k === "fetch") {
          const reply = redis.reply(now);
          if (cache.store(cache.beginFetch(KEY, now), reply)) {
            held = new Set(reply.members.map((m) => m.member));
            for (const h of [...downAt.keys()]) {
              const seen = seenAfter.get(h);
              const score = redis.members.get(h)!;
              if (!held.has(h))
                downAt.delete(h); // gone from Redis: the report is over
              else if (seen === undefined) seenAfter.set(h, score);
              else if (score > seen) downAt.delete(h); // a registration newer than the one Redis held after the report
            }
          }
        } else {
          const a = cache.answer(KEY, now, true);
          if (a.kind !== "hit") return;
          for (const h of a.hosts) {
            const d = downAt.get(h);
            assert.ok(d === undefined, `${h} reported down at step ${d} is served at step ${step}`);
          }
          for (const h of redis.visible(now))
            if (!downAt.has(h) && held.has(h))
              assert.ok(a.hosts.includes(h), `${h} (not down) is served at step ${step}`);
        }
      });
    }),
    { numRuns: 400 },
  );
});
