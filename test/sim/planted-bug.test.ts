/**
 * A deliberately planted driver bug is caught and shrunk. The bug (sim/planted-bugs.ts,
 * applied through a wrapper, src/ untouched) hands a reply that arrives after its call
 * timed out to the oldest pending call instead of dropping it. No fault, no bug: with a
 * quiet network every reply is on time. fast-check generates fault schedules for a
 * four-host cluster; the reply-routing checker catches the first schedule that delays a
 * reply past its deadline, and fast-check shrinks it to a single short fault.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FAULTS_NONE } from "../../sim/faults/options.js";
import { runSimulation } from "../../sim/run.js";
import { searchSchedules, type ScheduleSpace } from "../../sim/shrink.js";

const base = {
  seed: 11,
  cluster: { hosts: 4, serversPerTopic: 2, topicsPerClient: 1 },
  workload: { calls: 150, ratePerSec: 500, timeoutMs: 100 },
  faults: FAULTS_NONE,
};
const space: ScheduleSpace = { hosts: 4, fromMs: 100, toMs: 400, maxForMs: 300, maxActions: 4 };

describe("sim planted bug", () => {
  it("without faults the planted bug stays hidden (every reply is on time)", async () => {
    const r = await runSimulation({ ...base, plantedBug: "stale-reply-to-oldest" });
    assert.deepEqual(r.violations, []);
  });

  it("fast-check finds a fault schedule that exposes it and shrinks it to one fault", async () => {
    const out = await searchSchedules({ ...base, plantedBug: "stale-reply-to-oldest" }, space, {
      seed: 42,
      numRuns: 60,
    });
    assert.equal(out.failed, true);
    assert.ok(out.numShrinks > 0, "the counterexample was shrunk");
    assert.equal(out.schedule!.length, 1, `minimal schedule: ${out.dsl}`);
    assert.ok(
      out.violations!.some((v) => v.checker === "reply-to-right-caller"),
      JSON.stringify(out.violations),
    );
    // The shrunk schedule reproduces on its own, and the driver without the bug passes it.
    const replay = await runSimulation({ ...base, plantedBug: "stale-reply-to-oldest", schedule: out.schedule! });
    assert.ok(replay.violations.some((v) => v.checker === "reply-to-right-caller"));
    const fixed = await runSimulation({ ...base, schedule: out.schedule! });
    assert.deepEqual(fixed.violations, []);
  });

  it("the same kind of search over the real driver finds nothing", async () => {
    const out = await searchSchedules(base, space, { seed: 42, numRuns: 25 });
    assert.equal(out.failed, false);
  });
});
