/**
 * Swarm: a bounded sweep of seeds, each with its own random cluster, workload, driver
 * options and fault mix, passes every checker. Longer sweeps belong to the CLI
 * (`npm run sim -- --swarm 500 --seed <n>`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../../sim/run.js";
import { optionsSwarm } from "../../sim/swarm.js";

describe("sim swarm", () => {
  it("5 swarm seeds (200 requests each) have no violations", async () => {
    const failures: string[] = [];
    for (let seed = 1000; seed < 1005; seed++) {
      const r = await runSimulation(optionsSwarm(seed, { calls: 200 }));
      if (r.violations.length)
        failures.push(
          `seed ${seed}: ${JSON.stringify(r.violations.slice(0, 3))} (npm run sim -- --swarm 1 --seed ${seed} --calls 200)`,
        );
    }
    assert.deepEqual(failures, []);
  });

  // Each seed once failed a checker; the comment says which and why.
  const regressions: Record<number, string> = {
    // fanout-reaches-live-servers: the last request, a fanout, was issued in the
    // microsecond the healing restarted crashed servers of its topic, before they
    // registered; the checker counted them as listed at the issue.
    424469: "fanout to servers registered in the microsecond of its issue",
  };
  for (const [seed, why] of Object.entries(regressions)) {
    it(`swarm seed ${seed} has no violations (${why})`, async () => {
      const r = await runSimulation(optionsSwarm(Number(seed)));
      assert.deepEqual(r.violations, [], `npm run sim -- --swarm 1 --seed ${seed}`);
    });
  }

  it("different seeds draw different worlds; one seed always the same", () => {
    const a = optionsSwarm(1);
    assert.deepEqual(optionsSwarm(1), a);
    const worlds = new Set([1, 2, 3, 4, 5].map((s) => JSON.stringify(optionsSwarm(s))));
    assert.equal(worlds.size, 5);
    assert.deepEqual(optionsSwarm(3, { hosts: 500, calls: 7 }).cluster?.hosts, 500);
  });
});
