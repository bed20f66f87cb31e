/** Every named regression scenario runs clean: zero violations, and the faults it names happened. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../../sim/run.js";
import { SCENARIOS } from "../../sim/scenarios/catalog.js";

describe("sim scenarios", () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.title}`, async () => {
      const r = await runSimulation({ ...s.input, seed: s.seed });
      assert.deepEqual(r.violations, []);
      assert.equal(r.ctx.faults.applied.length, r.schedule.length, "every scheduled fault was applied");
      assert.equal(r.calls, s.input.workload?.calls);
    });
  }
});
