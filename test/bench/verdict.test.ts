/**
 * Goal: the verdict of `npm run bench -- --compare` (bench/verdict.ts, spec/benchmarks.md
 * "Compare") says "within noise" when nothing changed, "better" or "worse" in the right
 * direction when every sample moved far beyond the spread, and never claims a change from
 * too few samples. Method: fast-check over sample sets; the Mann-Whitney p-value checked on
 * hand-computed cases.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { judge, MIN_CHANGE, MIN_SAMPLES, mannWhitneyP } from "../../bench/verdict.js";

const sample = fc.double({ min: 1, max: 1e6, noNaN: true });
const samples = (min = MIN_SAMPLES) => fc.array(sample, { minLength: min, maxLength: 12 });

test("verdict - identical sample sets are always within noise, whichever the direction", () => {
  fc.assert(
    fc.property(samples(1), fc.boolean(), (xs, higherIsBetter) => {
      const j = judge(xs, [...xs], higherIsBetter);
      assert.equal(j.verdict, "within noise");
      assert.equal(j.change, 0);
    }),
  );
});

test("verdict - every sample multiplied far beyond the spread: better for ops/s, worse for a latency (and the reverse)", () => {
  fc.assert(
    fc.property(samples(5), fc.double({ min: 1.5, max: 100, noNaN: true }), (xs, factor) => {
      // Every new sample above the largest old one: the sets do not overlap.
      const hi = Math.max(...xs);
      const up = xs.map((x) => x * factor + hi * factor);
      assert.equal(judge(xs, up, true).verdict, "better");
      assert.equal(judge(xs, up, false).verdict, "worse");
      assert.equal(judge(up, xs, true).verdict, "worse");
      assert.equal(judge(up, xs, false).verdict, "better");
    }),
  );
});

test("verdict - fewer samples than MIN_SAMPLES on either side are within noise, however far apart", () => {
  fc.assert(
    fc.property(fc.array(sample, { minLength: 1, maxLength: MIN_SAMPLES - 1 }), samples(), (few, many) => {
      const far = many.map((x) => x * 1000 + 1e9);
      assert.equal(judge(few, far, true).verdict, "within noise");
      assert.equal(judge(far, few, true).verdict, "within noise");
    }),
  );
});

test("verdict - a significant shift smaller than MIN_CHANGE is within noise", () => {
  const before = [100, 100.1, 100.2, 100.3, 100.4, 100.5];
  const after = before.map((x) => x * (1 + MIN_CHANGE / 2) + 1);
  const j = judge(before, after, true);
  assert.ok(j.p < 0.05, `the samples do not overlap (p = ${j.p})`);
  assert.equal(j.verdict, "within noise");
});

test("verdict - overlapping samples with the same spread are within noise", () => {
  const before = [90, 110, 95, 105, 100, 98, 102];
  const after = [91, 109, 96, 104, 101, 97, 103];
  assert.equal(judge(before, after, true).verdict, "within noise");
});

test("verdict - Mann-Whitney p: 1 for equal values, symmetric, within [0, 1], about 0.012 for 5 against 5 apart", () => {
  assert.equal(mannWhitneyP([3, 3, 3, 3], [3, 3, 3, 3]), 1);
  const p = mannWhitneyP([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
  // U = 0, mean 12.5, sd sqrt(25 * 11 / 12) = 4.787: z = 12 / 4.787 = 2.507, two-sided p = 0.0122.
  assert.ok(Math.abs(p - 0.0122) < 0.0005, `p = ${p}`);
  fc.assert(
    fc.property(samples(1), samples(1), (a, b) => {
      const pa = mannWhitneyP(a, b);
      assert.ok(pa >= 0 && pa <= 1);
      assert.ok(Math.abs(pa - mannWhitneyP(b, a)) < 1e-12);
    }),
  );
});
