/**
 * Every named regression scenario runs clean: zero violations, and the faults it names
 * happened. The scenarios of acknowledged delivery also show what they are about
 * (test/sim/ack-scenario-expectations.ts): which requests moved, which failed naming the
 * silent server, what the server answered to copies sent again.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../../sim/run.js";
import { SCENARIOS } from "../../sim/scenarios/catalog.js";
import { ACK_EXPECTATIONS } from "./ack-scenario-expectations.js";

describe("sim scenarios", () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.title}`, async () => {
      const r = await runSimulation({ ...s.input, seed: s.seed });
      assert.deepEqual(r.violations, []);
      assert.equal(r.ctx.faults.applied.length, r.schedule.length, "every scheduled fault was applied");
      assert.equal(r.calls, s.input.workload?.calls);
      ACK_EXPECTATIONS[s.name]?.(r);
    });
  }

  it("every scenario of acknowledged delivery has its expectation", () => {
    // Notification scenarios may turn acks on too; they assert their own outcomes.
    const acked = SCENARIOS.filter((s) => s.input.driver?.acks === true && !s.input.notifications).map((s) => s.name);
    assert.deepEqual(acked, Object.keys(ACK_EXPECTATIONS));
  });
});
