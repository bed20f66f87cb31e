/**
 * Every named regression scenario runs clean: zero violations, and the faults it names
 * happened. The scenarios of acknowledged delivery also show what they are about
 * (test/sim/ack-scenario-expectations.ts): which requests moved, which failed naming the
 * silent server, what the server answered to copies sent again; so do the scenarios of
 * liveness (test/sim/liveness-scenario-expectations.ts): when each caller dropped a dead
 * server, that it probed and took it back, what a busy server or a slow link does.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../../sim/run.js";
import { SCENARIOS } from "../../sim/scenarios/catalog.js";
import { ACK_EXPECTATIONS } from "./ack-scenario-expectations.js";
import { LIVENESS_EXPECTATIONS } from "./liveness-scenario-expectations.js";

describe("sim scenarios", () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.title}`, async () => {
      const r = await runSimulation({ ...s.input, seed: s.seed });
      assert.deepEqual(r.violations, []);
      assert.equal(r.ctx.faults.applied.length, r.schedule.length, "every scheduled fault was applied");
      assert.equal(r.calls, s.input.workload?.calls);
      ACK_EXPECTATIONS[s.name]?.(r);
      LIVENESS_EXPECTATIONS[s.name]?.(r);
    });
  }

  it("every scenario of acknowledged delivery has its expectation", () => {
    // Notification and proxy scenarios may turn acks on too; they assert their own outcomes
    // (test/sim/notifications.test.ts, test/sim/proxy-mode.test.ts).
    const acked = SCENARIOS.filter(
      (s) => s.input.driver?.acks === true && !s.input.notifications && !s.input.cluster?.proxies,
    ).map((s) => s.name);
    assert.deepEqual(acked, Object.keys(ACK_EXPECTATIONS));
  });

  it("every scenario of liveness (heartbeats on) has its expectation", () => {
    const live = SCENARIOS.filter(
      (s) => (s.input.driver?.heartbeatIntervalMs ?? 0) > 0 && !s.input.cluster?.proxies,
    ).map((s) => s.name);
    assert.deepEqual(live, Object.keys(LIVENESS_EXPECTATIONS));
  });
});
