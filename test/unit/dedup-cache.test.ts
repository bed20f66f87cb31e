/**
 * Goal: the server's dedup cache (src/core/dedup-cache.ts) remembers an id until its
 * expiry, forgets the oldest first beyond maxEntries (counting only live ones), keeps
 * finished calls' replies within maxReplyBytes (oldest let go first, ids still
 * remembered), and never keeps a reply larger than the whole bound. Method: hand-driven
 * time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DedupCache } from "../../src/internal.js";

test("dedup cache - an id is found until its expiry and not after; a re-add after expiry is fresh", () => {
  const c = new DedupCache<string>(10, 100);
  const e = c.add("a", 50, 0);
  assert.equal(c.get("a", 49.9), e);
  assert.equal(c.get("a", 50), undefined);
  assert.equal(c.get("b", 0), undefined);
  const again = c.add("a", 200, 60);
  assert.notEqual(again, e);
  assert.equal(again.done, false);
  assert.equal(c.get("a", 100), again);
});

test("dedup cache - expired entries leave from the front when an add comes after the front's expiry", () => {
  const c = new DedupCache<string>(10, 100);
  c.add("a", 10, 0);
  c.add("b", 20, 0);
  c.add("c", 5, 0); // expires first, but sits behind a and b
  assert.equal(c.size, 3);
  c.add("d", 100, 15); // a is due: purged; b (20) stops the purge, c stays until b leaves
  assert.equal(c.size, 3);
  assert.equal(c.get("c", 15), undefined, "an expired entry is invisible even before it is purged");
  c.add("e", 100, 25);
  assert.equal(c.size, 2, "b and c purged");
  assert.equal(c.evicted, 0);
});

test("dedup cache - beyond maxEntries the oldest are forgotten first; only live ones count as evicted", () => {
  const c = new DedupCache<string>(2, 100);
  c.add("a", 5, 0);
  c.add("b", 100, 0);
  c.add("c", 100, 1); // a is forgotten while live
  assert.equal(c.size, 2);
  assert.equal(c.get("a", 1), undefined);
  assert.equal(c.evicted, 1);
  c.add("d", 100, 2); // b forgotten, live
  assert.equal(c.evicted, 2);
  const d = new DedupCache<string>(1, 100);
  d.add("x", 5, 0);
  d.add("y", 100, 4); // x still live: counted
  assert.equal(d.evicted, 1);
});

test("dedup cache - kept replies stay within maxReplyBytes, oldest let go first, ids still remembered", () => {
  const c = new DedupCache<string>(10, 10);
  const a = c.add("a", 100, 0);
  const b = c.add("b", 100, 0);
  const big = c.add("big", 100, 0);
  c.finish(a, "AAAAAA", 6);
  c.finish(b, "BBBB", 4);
  assert.equal(c.replyBytes, 10);
  c.finish(big, "X".repeat(11), 11);
  assert.equal(big.done, true);
  assert.equal(big.reply, undefined, "a reply larger than the whole bound is never kept");
  assert.equal(c.repliesDropped, 1);
  const d = c.add("d", 100, 0);
  c.finish(d, "DD", 2);
  assert.equal(a.reply, undefined, "the oldest kept reply was let go");
  assert.equal(b.reply, "BBBB");
  assert.equal(c.replyBytes, 6);
  assert.equal(c.repliesDropped, 2);
  assert.equal(c.get("a", 1), a, "its id is still remembered");
  assert.equal(a.done, true);
});

test("dedup cache - forgetting an entry frees its reply's bytes; finishing twice keeps the first reply", () => {
  const c = new DedupCache<string>(1, 10);
  const a = c.add("a", 100, 0);
  c.finish(a, "AAAA", 4);
  c.finish(a, "ZZZZZZ", 6);
  assert.equal(a.reply, "AAAA");
  c.add("b", 100, 0);
  assert.equal(c.replyBytes, 0);
  const e = c.add("c", 5, 0);
  c.finish(e, "CC", 2);
  c.add("d", 100, 10); // c expired: purged, bytes freed
  assert.equal(c.replyBytes, 0);
});

test("dedup cache - bounds are checked at construction", () => {
  assert.throws(() => new DedupCache(0, 10), RangeError);
  assert.throws(() => new DedupCache(1.5, 10), RangeError);
  assert.throws(() => new DedupCache(1, -1), RangeError);
});
