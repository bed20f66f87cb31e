/**
 * Goal: the published latency histogram (spec/observability.md, "Published server stats"):
 * times land in the right bucket, and the p99 of the calls between two samples is the
 * bound of the bucket holding the 99th percentile of the difference.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  emptyCounts,
  LATENCY_BUCKETS_MS,
  quantileBetween,
  recordLatency,
} from "../../src/observability/latency-buckets.js";

test("latency-buckets - a time lands in the first bucket whose bound is at least it; larger ones in the last", () => {
  const c = emptyCounts();
  for (const ms of [0, 1, 1.5, 2, 10_000, 10_001]) recordLatency(c, ms);
  assert.equal(c[0], 2);
  assert.equal(c[1], 2);
  assert.equal(c[LATENCY_BUCKETS_MS.length - 1], 1);
  assert.equal(c[LATENCY_BUCKETS_MS.length], 1);
});

test("latency-buckets - p99 of the difference between two samples; undefined when nothing happened in between", () => {
  const before = emptyCounts();
  for (let i = 0; i < 1000; i++) recordLatency(before, 400); // old slow calls: not in the window
  const after = [...before];
  for (let i = 0; i < 990; i++) recordLatency(after, 3);
  for (let i = 0; i < 10; i++) recordLatency(after, 40);
  assert.equal(quantileBetween(before, after, 0.99), 5);
  assert.equal(quantileBetween(before, after, 1), 50);
  assert.equal(quantileBetween(after, after, 0.99), undefined);
  assert.equal(quantileBetween(undefined, after, 0.6), 500, "without a previous sample: every count since the start");
  const over = emptyCounts();
  recordLatency(over, 99_999);
  assert.equal(quantileBetween(undefined, over, 0.99), Number.POSITIVE_INFINITY);
});
