/**
 * Goal: the CPU A/B (bench/cpu-ab.ts, spec/benchmarks.md "CPU A/B") reports the per-round
 * ratios of the two trees, and calls a change only when the quartiles of those ratios
 * agree on its direction. Method: fast-check over paired series.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { describeSpread, pairedSpread } from "../../bench/cpu-ab.js";

const series = fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 4, maxLength: 40 });

test("cpu-ab - B equal to A round by round: every ratio 1, within noise", () => {
  fc.assert(
    fc.property(series, (a) => {
      const s = pairedSpread(a, [...a])!;
      assert.deepEqual([s.median, s.q25, s.q75, s.rounds], [1, 1, 1, a.length]);
      assert.match(describeSpread(s), /^within noise/);
    }),
  );
});

test("cpu-ab - B a fixed factor of A in every round: that factor, called less or more CPU by its direction", () => {
  fc.assert(
    fc.property(series, fc.double({ min: 0.5, max: 2, noNaN: true }), (a, f) => {
      fc.pre(Math.abs(f - 1) > 1e-6);
      const s = pairedSpread(
        a,
        a.map((x) => x * f),
      )!;
      for (const r of [s.median, s.q25, s.q75]) assert.ok(Math.abs(r - f) < 1e-9);
      assert.match(describeSpread(s), f < 1 ? /^less CPU/ : /^more CPU/);
    }),
  );
});

test("cpu-ab - quartiles on both sides of 1 are within noise; pairs are by round, extra rounds ignored", () => {
  const s = pairedSpread([10, 10, 10, 10], [9, 9.5, 10.5, 11, 50])!;
  assert.equal(s.rounds, 4);
  assert.ok(s.q25 < 1 && s.q75 > 1);
  assert.match(describeSpread(s), /^within noise/);
  assert.equal(pairedSpread([], [1]), null);
});
