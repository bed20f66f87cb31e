/**
 * Goal: every balancing strategy (DriverOptions.balancing, spec/balancing.md) runs the real
 * driver through a faulty simulated cluster with no checker violation, deterministically
 * in the seed (the strategies that draw take their randomness from each process's seeded
 * Rng port), and the strategies that draw or read the load tracker route differently from
 * round robin.
 * Method: runSimulation with heavy faults on a small cluster, twice per strategy.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BALANCING_STRATEGIES } from "../../src/internal.js";
import { FAULTS_HEAVY } from "../../sim/faults/options.js";
import { runSimulation } from "../../sim/run.js";

const input = { seed: 4321, cluster: { hosts: 8 }, workload: { calls: 400, ratePerSec: 1000 }, faults: FAULTS_HEAVY };

describe("sim balancing", () => {
  it("each strategy: no violation under heavy faults, the same trace hash twice, and a route of its own", async () => {
    const hashes = new Map<string, string>();
    for (const balancing of BALANCING_STRATEGIES) {
      const run = { ...input, driver: { balancing } };
      const [a, b] = [await runSimulation(run), await runSimulation(run)];
      assert.ok(a.schedule.length > 0, "the run has faults");
      assert.deepEqual(a.violations, [], `${balancing}: no violation`);
      assert.equal(a.traceHash, b.traceHash, `${balancing}: deterministic in the seed`);
      assert.equal(a.settled.replied + a.settled.timedOut + a.settled.failed, a.calls, `${balancing}: all settled`);
      hashes.set(balancing, a.traceHash);
    }
    const plain = await runSimulation(input);
    assert.equal(hashes.get("round-robin"), plain.traceHash, "round robin is the default");
    for (const s of ["random", "least-in-flight", "latency"])
      assert.notEqual(hashes.get(s), plain.traceHash, `${s} routes otherwise than round robin`);
  });
});
