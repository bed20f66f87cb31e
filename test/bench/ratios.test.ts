/**
 * Goal: the report's ratios compare the systems they name (spec/benchmarks.md, "Report"):
 * `vsNats` against NATS carrying bytes, `vsNatsJson` against NATS carrying JSON, each
 * from its own system's samples, and a peer that did not run leaves its key out.
 * Method: computeRatios on hand-made results whose samples make every ratio a known number.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { computeRatios } from "../../bench/ratios.js";
import type { Result, Results } from "../../bench/types.js";

/** A result whose every round has `ops` ops/s and a p50 of `p50` µs. */
function result(ops: number, p50: number | null, rounds = 3): Result {
  const samples = Array.from({ length: rounds }, () => ({ opsPerSec: ops, p50Us: p50, p99Us: p50 }));
  return { opsPerSec: ops, p50Us: p50, p99Us: p50, unit: "ops/s", primary: "opsPerSec", samples };
}

function headlineResults(systems: Record<string, { call1P50: number; call64: number; cast: number; fanout: number }>) {
  const results: Results = { "call-1": {}, "call-64": {}, cast: {}, "fanout-10": {} };
  for (const [name, f] of Object.entries(systems)) {
    results["call-1"]![name] = result(1e6 / f.call1P50, f.call1P50);
    results["call-64"]![name] = result(f.call64, null);
    results.cast![name] = result(f.cast, null);
    results["fanout-10"]![name] = result(f.fanout, null);
  }
  return results;
}

/** The driver, raw zeromq.js and NATS: each ratio below is a round number. */
const WITHOUT_NATS_JSON = {
  driver: { call1P50: 150, call64: 40_000, cast: 90_000, fanout: 120_000 },
  "raw-zmq": { call1P50: 125, call64: 16_000, cast: 36_000, fanout: 40_000 },
  nats: { call1P50: 250, call64: 10_000, cast: 225_000, fanout: 400_000 },
};

test("ratios - vsNats and vsNatsJson each divide the driver's figures by their own system's", () => {
  const r = computeRatios(
    headlineResults({
      ...WITHOUT_NATS_JSON,
      "nats-json": { call1P50: 300, call64: 8_000, cast: 120_000, fanout: 240_000 },
    }),
  );
  assert.equal(r.callLatencyP50, 1.2);
  assert.equal(r.castThroughput, 2.5);
  assert.deepEqual(r.vsNats, { callLatencyP50: 0.6, callThroughput64: 4, castThroughput: 0.4 });
  assert.deepEqual(r.vsNatsJson, { callLatencyP50: 0.5, callThroughput64: 5, castThroughput: 0.75 });
  assert.equal(r.fanoutVsNats, 0.3);
  assert.equal(r.fanoutVsNatsJson, 0.5);
});

test("ratios - a NATS system that did not run leaves its keys out; the other still counts", () => {
  const r = computeRatios(headlineResults(WITHOUT_NATS_JSON));
  assert.equal(r.vsNatsJson, undefined);
  assert.equal(r.fanoutVsNatsJson, undefined);
  assert.deepEqual(r.vsNats, { callLatencyP50: 0.6, callThroughput64: 4, castThroughput: 0.4 });
});
