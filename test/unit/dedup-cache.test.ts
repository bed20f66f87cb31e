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

test("dedup cache - bounds are checked at construction", () => {
  assert.throws(() => new DedupCache(0, 10), RangeError);
  assert.throws(() => new DedupCache(1.5, 10), RangeError);
  assert.throws(() => new DedupCache(1, -1), RangeError);
});
