/**
 * Property of the server's dedup cache under random adds, finishes and lookups with time
 * moving forward: an id added and not expired is found unless at least maxEntries ids
 * were added after it (and every live id lost that way was counted as evicted); an
 * expired id is never found; size <= maxEntries; the kept replies' bytes never exceed
 * maxReplyBytes and equal the sum of the replies still kept; a kept reply is the one
 * given; the reply of the latest finish is kept whenever it fits the bound and its entry
 * is still in the cache.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DedupCache, type DedupEntry } from "../../src/internal.js";

type Op =
  | { op: "add"; id: number; ttl: number }
  | { op: "finish"; id: number; bytes: number }
  | { op: "tick"; ms: number }
  | { op: "get"; id: number };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("add" as const), id: fc.nat(12), ttl: fc.integer({ min: 0, max: 50 }) }),
    fc.record({ op: fc.constant("finish" as const), id: fc.nat(12), bytes: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ op: fc.constant("get" as const), id: fc.nat(12) }),
  ),
  { maxLength: 80 },
);

test("dedup-cache property - live ids are found unless pushed out by maxEntries newer ones; bounds hold", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 16 }), ops, (max, maxBytes, script) => {
      const c = new DedupCache<string>(max, maxBytes);
      let now = 0;
      let adds = 0;
      /** Per id: its latest add (sequence number, expiry, entry). */
      const added = new Map<number, { seq: number; expires: number; e: DedupEntry<string> }>();
      const lostLive = new Set<number>();
      for (const s of script) {
        if (s.op === "tick") now += s.ms;
        else if (s.op === "add") {
          // The shell adds only ids it does not currently find.
          if (c.get(String(s.id), now) !== undefined) continue;
          const e = c.add(String(s.id), now + s.ttl, now);
          added.set(s.id, { seq: adds++, expires: now + s.ttl, e });
          lostLive.delete(s.id);
        } else if (s.op === "finish") {
          const a = added.get(s.id);
          if (!a || a.e.done) continue;
          const reply = "r".repeat(s.bytes);
          c.finish(a.e, reply, s.bytes);
          assert.equal(a.e.done, true);
          const inCache = c.peek(String(s.id)) === a.e;
          if (s.bytes <= maxBytes && inCache) assert.equal(a.e.reply, reply, "the latest reply that fits is kept");
          else assert.equal(a.e.reply, undefined, "an entry no longer in the cache keeps no reply");
        }
        for (const [id, a] of added) {
          const found = c.get(String(id), now);
          if (a.expires <= now) assert.equal(found, undefined, `expired id ${id} found`);
          else if (found === undefined) {
            assert.ok(adds - 1 - a.seq >= max, `live id ${id} lost with only ${adds - 1 - a.seq} newer adds`);
            lostLive.add(id);
          } else assert.equal(found, a.e);
        }
        assert.ok(lostLive.size <= c.evicted, `${lostLive.size} live ids lost, ${c.evicted} counted`);
        assert.ok(c.size <= max);
        assert.ok(c.replyBytes <= maxBytes);
        let kept = 0;
        for (const a of added.values()) if (a.e.reply !== undefined) kept += a.e.replyBytes;
        assert.equal(c.replyBytes, kept);
      }
    }),
  );
});
