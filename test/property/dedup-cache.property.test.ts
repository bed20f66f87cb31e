/**
 * Property of the server's dedup cache under random adds, kept replies and lookups with
 * time moving forward: an id added and not expired is found unless at least maxEntries
 * ids were added after it (and every live id lost that way was counted as evicted); an
 * expired id is never found; size <= maxEntries; the kept replies' bytes never exceed
 * maxReplyBytes and equal the lengths of the replies still kept; a kept reply is the one
 * given; the latest reply kept is there whenever it fits the bound and its id is live.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DedupCache } from "../../src/internal.js";

type Op =
  | { op: "add"; id: number; ttl: number }
  | { op: "keep"; id: number; bytes: number }
  | { op: "tick"; ms: number };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("add" as const), id: fc.nat(12), ttl: fc.integer({ min: 0, max: 50 }) }),
    fc.record({ op: fc.constant("keep" as const), id: fc.nat(12), bytes: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 20 }) }),
  ),
  { maxLength: 80 },
);

test("dedup-cache property - live ids are found unless pushed out by maxEntries newer ones; bounds hold", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 16 }), ops, (max, maxBytes, script) => {
      const c = new DedupCache(max, maxBytes);
      let now = 0;
      let adds = 0;
      /** Per id: its latest add (sequence number, expiry) and the reply given for it. */
      const added = new Map<number, { seq: number; expires: number; reply?: string }>();
      const lostLive = new Set<number>();
      for (const s of script) {
        const id = String(s.op === "tick" ? -1 : s.id);
        if (s.op === "tick") now += s.ms;
        else if (s.op === "add") {
          // The shell adds only ids it does not currently find.
          if (c.has(id, now)) continue;
          c.add(id, now + s.ttl, now);
          added.set(s.id, { seq: adds++, expires: now + s.ttl });
          lostLive.delete(s.id);
        } else {
          const a = added.get(s.id);
          if (!a || a.reply !== undefined || !c.has(id, now)) continue;
          const reply = "r".repeat(s.bytes);
          c.keepReply(id, reply);
          a.reply = reply;
          if (s.bytes <= maxBytes) assert.equal(c.reply(id), reply, "the latest reply that fits is kept");
          else assert.equal(c.reply(id), undefined);
        }
        let kept = 0;
        for (const [n, a] of added) {
          const key = String(n);
          const found = c.has(key, now);
          if (a.expires <= now) assert.equal(found, false, `expired id ${n} found`);
          else if (!found) {
            assert.ok(adds - 1 - a.seq >= max, `live id ${n} lost with only ${adds - 1 - a.seq} newer adds`);
            lostLive.add(n);
          }
          const r = c.reply(key);
          if (r !== undefined) {
            assert.equal(r, a.reply, "a kept reply is the one given for its id");
            kept += r.length;
          }
        }
        assert.ok(lostLive.size <= c.evicted, `${lostLive.size} live ids lost, ${c.evicted} counted`);
        assert.ok(c.size <= max);
        assert.ok(c.replyBytes <= maxBytes);
        assert.equal(c.replyBytes, kept);
      }
    }),
  );
});
