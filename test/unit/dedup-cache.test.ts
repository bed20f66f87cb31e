/**
 * Goal: the server's dedup cache (src/core/dedup-cache.ts) remembers an id until its
 * expiry, forgets the oldest first beyond maxEntries (counting only live ones), keeps
 * finished calls' replies within maxReplyBytes (oldest let go first, ids still
 * remembered), and never keeps a reply longer than the whole bound. Method: hand-driven
 * time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DedupCache } from "../../src/internal.js";

test("dedup cache - an id is found until its expiry and not after; a re-add after expiry is fresh", () => {
  const c = new DedupCache(10, 100);
  c.add("a", 50, 0);
  c.keepReply("a", "A");
  assert.equal(c.has("a", 49.9), true);
  assert.equal(c.has("a", 50), false);
  assert.equal(c.has("b", 0), false);
  c.add("a", 200, 60);
  assert.equal(c.has("a", 100), true);
  assert.equal(c.reply("a"), undefined, "the new entry has no reply yet");
  assert.equal(c.replyBytes, 0);
});

test("dedup cache - expired ids leave from the front when an add comes after the front's expiry", () => {
  const c = new DedupCache(10, 100);
  c.add("a", 10, 0);
  c.add("b", 20, 0);
  c.add("c", 5, 0); // expires first, but sits behind a and b
  assert.equal(c.size, 3);
  c.add("d", 100, 15); // a is due: purged; b (20) stops the purge, c stays until b leaves
  assert.equal(c.size, 3);
  assert.equal(c.has("c", 15), false, "an expired id is invisible even before it is purged");
  c.add("e", 100, 25);
  assert.equal(c.size, 2, "b and c purged");
  assert.equal(c.evicted, 0);
});

test("dedup cache - beyond maxEntries the oldest are forgotten first; only live ones count as evicted", () => {
  const c = new DedupCache(2, 100);
  c.add("a", 5, 0);
  c.add("b", 100, 0);
  c.add("c", 100, 1); // a is forgotten while live
  assert.equal(c.size, 2);
  assert.equal(c.has("a", 1), false);
  assert.equal(c.evicted, 1);
  c.add("d", 100, 2); // b forgotten, live
  assert.equal(c.evicted, 2);
  const d = new DedupCache(1, 100);
  d.add("x", 5, 0);
  d.add("y", 100, 10); // x expired by then: purged, not evicted
  assert.equal(d.evicted, 0);
  d.add("z", 100, 11); // y live: counted
  assert.equal(d.evicted, 1);
});

test("dedup cache - a re-added id moves to the back; its old place is skipped", () => {
  const c = new DedupCache(2, 100);
  c.add("a", 100, 0);
  c.add("b", 100, 0);
  c.add("a", 100, 1); // a again: now the newest
  c.add("c", 100, 2); // the oldest live one is b
  assert.equal(c.has("a", 2), true);
  assert.equal(c.has("b", 2), false);
  assert.equal(c.size, 2);
});

test("dedup cache - kept replies stay within maxReplyBytes, oldest let go first, ids still remembered", () => {
  const c = new DedupCache(10, 10);
  for (const id of ["a", "b", "big", "d"]) c.add(id, 100, 0);
  c.keepReply("a", "AAAAAA");
  c.keepReply("b", "BBBB");
  assert.equal(c.replyBytes, 10);
  c.keepReply("big", "X".repeat(11));
  assert.equal(c.reply("big"), undefined, "a reply longer than the whole bound is never kept");
  assert.equal(c.repliesDropped, 1);
  c.keepReply("d", "DD");
  assert.equal(c.reply("a"), undefined, "the oldest kept reply was let go");
  assert.equal(c.reply("b"), "BBBB");
  assert.equal(c.replyBytes, 6);
  assert.equal(c.repliesDropped, 2);
  assert.equal(c.has("a", 1), true, "its id is still remembered");
});

test("dedup cache - forgetting an id frees its reply's bytes; a second reply for an id is ignored", () => {
  const c = new DedupCache(1, 10);
  c.add("a", 100, 0);
  c.keepReply("a", "AAAA");
  c.keepReply("a", "ZZZZZZ");
  assert.equal(c.reply("a"), "AAAA");
  c.add("b", 100, 0); // a evicted with its reply
  assert.equal(c.replyBytes, 0);
  assert.equal(c.reply("a"), undefined);
  c.keepReply("nobody", "N");
  assert.equal(c.reply("nobody"), undefined, "only a remembered id keeps a reply");
  c.add("c", 5, 0);
  c.keepReply("c", "CC");
  c.add("d", 100, 10); // c expired: purged, bytes freed
  assert.equal(c.replyBytes, 0);
});

test("dedup cache - over many thousand ids (its arrays compacted many times) it agrees with a plain model", () => {
  const c = new DedupCache(1500, 4000);
  /** The model: every id added, with its expiry and the reply kept for it. */
  const model = new Map<string, { expires: number; reply?: string; seq: number }>();
  let now = 0;
  for (let i = 0; i < 20_000; i++) {
    now += 0.25;
    const id = `m.${i % 7 === 0 ? i - 7 : i}`; // every seventh id repeats an earlier one
    if (c.has(id, now)) continue;
    const ttl = 50 + (i % 13) * 40;
    c.add(id, now + ttl, now);
    model.set(id, { expires: now + ttl, seq: i });
    if (i % 3 === 0) {
      const reply = "r".repeat(i % 11);
      c.keepReply(id, reply);
      model.get(id)!.reply = reply;
    }
    if (i % 997 !== 0) continue;
    let bytes = 0;
    for (const [k, m] of model) {
      const r = c.reply(k);
      if (m.expires <= now) assert.equal(c.has(k, now), false, `${k} expired`);
      if (r !== undefined) {
        assert.equal(r, m.reply, `${k} keeps its own reply`);
        bytes += r.length;
      }
    }
    assert.equal(c.replyBytes, bytes, `bytes at ${i}`);
    assert.ok(c.size <= 1500);
    assert.ok(c.replyBytes <= 4000);
  }
  // The most recent ids are all remembered (fewer than maxEntries were added after them).
  for (let i = 19_000; i < 20_000; i++) {
    const id = `m.${i % 7 === 0 ? i - 7 : i}`;
    const m = model.get(id)!;
    if (m.expires > now) assert.equal(c.has(id, now), true, id);
  }
});

test("dedup cache - bounds are checked at construction", () => {
  assert.throws(() => new DedupCache(0, 10), RangeError);
  assert.throws(() => new DedupCache(1.5, 10), RangeError);
  assert.throws(() => new DedupCache(1, -1), RangeError);
});

test("dedup cache - a kept reply may be a Buffer: the same bytes come back, its length counts toward maxReplyBytes", () => {
  const c = new DedupCache(10, 100);
  const big = Buffer.alloc(60, 0x61);
  c.add("a", 1000, 0);
  c.keepReply("a", big);
  assert.equal(c.reply("a"), big);
  assert.equal(c.replyBytes, 60);
  c.add("b", 1000, 0);
  c.keepReply("b", "x".repeat(50));
  assert.equal(c.reply("a"), undefined, "110 bytes > 100: the oldest kept reply is let go");
  assert.equal(c.replyBytes, 50);
  assert.equal(c.has("a", 0), true, "its id is still remembered");
});
