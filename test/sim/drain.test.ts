/**
 * Both microtask drains (sim/drain.ts) give the same trace hash, on swarm worlds with
 * faults of many kinds, and the scheduler falls back to the portable drain by itself when Node's
 * internal `process._tickCallback` is missing, with the same result. That the two drains
 * agree is the evidence that the synchronous one is exact: a microtask left running
 * across an event would change the order of events and the hash.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { syncDrainWorks } from "../../sim/drain.js";
import { runSimulation } from "../../sim/run.js";
import { optionsSwarm } from "../../sim/swarm.js";

// With 150 requests: 1004 pauses, hangs, crashes, clogs, partitions and restarts; 1014 has a
// Redis outage, 1033 a slow host, 1037 a crash and an isolated host.
const SEEDS = [1004, 1014, 1033, 1037];

/** syncDrainWorks() asked from a macrotask, as the scheduler asks it (inside a microtask V8 skips the checkpoint). */
const syncDrainWorksInMacrotask = (): Promise<boolean> =>
  new Promise((resolve) => setImmediate(() => resolve(syncDrainWorks())));

describe("sim drain", () => {
  it("this Node has the synchronous drain (process._tickCallback empties the microtask queue)", async () => {
    assert.equal(await syncDrainWorksInMacrotask(), true);
  });

  it("sync and immediate drains give the same trace hash and outcome on swarm worlds", async () => {
    for (const seed of SEEDS) {
      const input = optionsSwarm(seed, { calls: 150 });
      const sync = await runSimulation(input, { drain: "sync" });
      const slow = await runSimulation(input, { drain: "immediate" });
      assert.equal(sync.ctx.scheduler.slowDrains, 0, `seed ${seed}: the sync drain was used`);
      assert.ok(slow.ctx.scheduler.slowDrains > 0, `seed ${seed}: the immediate drain was used`);
      assert.equal(slow.traceHash, sync.traceHash, `seed ${seed}`);
      assert.deepEqual(slow.settled, sync.settled, `seed ${seed}`);
      assert.deepEqual(sync.violations, [], `seed ${seed}`);
      assert.deepEqual(slow.violations, [], `seed ${seed}`);
    }
  });

  it("without process._tickCallback the sync mode falls back to the immediate drain, with the same hash", async () => {
    const input = optionsSwarm(SEEDS[0]!, { calls: 150 });
    const expected = (await runSimulation(input, { drain: "sync" })).traceHash;
    const proc = process as unknown as { _tickCallback?: unknown };
    const saved = Object.getOwnPropertyDescriptor(proc, "_tickCallback");
    assert.ok(saved, "process._tickCallback exists on this Node");
    delete proc._tickCallback;
    try {
      assert.equal(await syncDrainWorksInMacrotask(), false);
      const r = await runSimulation(input, { drain: "sync" });
      assert.ok(r.ctx.scheduler.slowDrains > 0, "the scheduler fell back");
      assert.equal(r.traceHash, expected);
      assert.deepEqual(r.violations, []);
    } finally {
      Object.defineProperty(proc, "_tickCallback", saved);
    }
  });
});
