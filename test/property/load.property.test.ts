/**
 * Goal: the pure pieces of the load tool (spec/load.md, Invariants) hold for any input:
 * the latency histogram's percentiles are monotone in q, within [min, max] and within the
 * histogram's precision of the exact nearest-rank value; oslo's size distribution stays
 * within its bounds and is the same for the same seed; the chart of any series is
 * well-formed XML with one polyline per drawn series. Method: fast-check over latencies,
 * seeds and series; the exact quantile from the sorted values; the XML from
 * test/support/xml-check.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { LatencyHistogram } from "../../src/load/histogram.js";
import { OSLO_MAX_BYTES, OSLO_MIN_BYTES, osloSizes } from "../../src/load/message-sizes.js";
import type { SecondPoint } from "../../src/load/run-stats.js";
import { SplitMixRng } from "../../src/load/seeded-rng.js";
import { renderChart } from "../../src/load/svg-chart.js";
import { elements, parseXml } from "../support/xml-check.js";

const latencies = fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 300 });

test("load property - percentiles are monotone in q and lie within [min, max]", () => {
  fc.assert(
    fc.property(
      latencies,
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 8 }),
      (xs, qs) => {
        const h = new LatencyHistogram();
        for (const x of xs) h.record(x);
        const sorted = [...qs].sort((a, b) => a - b);
        const ps = sorted.map((q) => h.percentile(q)!);
        for (let i = 1; i < ps.length; i++) assert.ok(ps[i]! >= ps[i - 1]!, `p(${sorted[i]}) < p(${sorted[i - 1]})`);
        for (const p of ps) assert.ok(p >= h.minMs! && p <= h.maxMs!, `${p} outside [${h.minMs}, ${h.maxMs}]`);
        assert.equal(h.percentile(1), h.maxMs);
      },
    ),
    { numRuns: 300 },
  );
});

test("load property - a percentile is the exact nearest-rank value or above it by at most 1/64 (the bucket width)", () => {
  fc.assert(
    fc.property(latencies, fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
      const h = new LatencyHistogram();
      for (const x of xs) h.record(x);
      const us = xs.map((x) => Math.round(x * 1000)).sort((a, b) => a - b);
      const exact = us[Math.max(1, Math.ceil(q * us.length)) - 1]!;
      const got = Math.round(h.percentile(q)! * 1000);
      assert.ok(got >= exact && got <= exact + Math.floor(exact / 64) + 1, `q=${q}: got ${got} µs, exact ${exact} µs`);
    }),
    { numRuns: 300 },
  );
});

test("load property - merging histograms gives the histogram of all the values", () => {
  fc.assert(
    fc.property(latencies, latencies, (a, b) => {
      const ha = new LatencyHistogram();
      const hb = new LatencyHistogram();
      const all = new LatencyHistogram();
      for (const x of a) {
        ha.record(x);
        all.record(x);
      }
      for (const x of b) {
        hb.record(x);
        all.record(x);
      }
      ha.merge(hb);
      assert.equal(ha.count, all.count);
      for (const q of [0, 0.5, 0.9, 0.99, 1]) assert.equal(ha.percentile(q), all.percentile(q));
    }),
  );
});

test("load property - oslo sizes stay within 501..11500 bytes and repeat for the same seed", () => {
  fc.assert(
    fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (seed) => {
      const a = osloSizes(new SplitMixRng(seed));
      const b = osloSizes(new SplitMixRng(seed));
      for (let i = 0; i < 200; i++) {
        const x = a();
        assert.equal(b(), x);
        assert.ok(Number.isInteger(x) && x >= OSLO_MIN_BYTES && x <= OSLO_MAX_BYTES, `size ${x}`);
      }
    }),
    { numRuns: 200 },
  );
});

const series = fc
  .array(
    fc.record({
      completed: fc.nat(100_000),
      p50Ms: fc.option(fc.double({ min: 0, max: 5000, noNaN: true }), { nil: undefined }),
      p99Ms: fc.option(fc.double({ min: 0, max: 5000, noNaN: true }), { nil: undefined }),
    }),
    { maxLength: 200 },
  )
  .map((xs) =>
    xs.map(
      (x, second): SecondPoint => ({
        second,
        completed: x.completed,
        msgsPerSec: x.completed,
        ...(x.p50Ms !== undefined ? { p50Ms: x.p50Ms } : {}),
        ...(x.p99Ms !== undefined ? { p99Ms: x.p99Ms } : {}),
      }),
    ),
  );

test("load property - the chart of any series is well-formed XML with a polyline per series that has points", () => {
  fc.assert(
    fc.property(series, fc.string(), (s, title) => {
      const svg = parseXml(renderChart({ title, subtitle: "<&>", series: s }));
      assert.equal(svg.name, "svg");
      const drawn = elements(svg)
        .filter((e) => e.name === "polyline")
        .map((e) => e.attrs["data-series"]);
      const expected = [
        ...(s.length > 0 ? ["msgs/s"] : []),
        ...(s.some((p) => p.p50Ms !== undefined) ? ["p50"] : []),
        ...(s.some((p) => p.p99Ms !== undefined) ? ["p99"] : []),
      ];
      assert.deepEqual(drawn, expected);
      for (const e of elements(svg).filter((x) => x.name === "polyline"))
        for (const pt of e.attrs.points!.split(" ")) assert.match(pt, /^-?[0-9.]+,-?[0-9.]+$/);
      assert.equal(elements(svg).find((e) => e.name === "title")?.text, title);
    }),
    { numRuns: 100 },
  );
});
