/**
 * The checkers themselves catch what they claim to catch: each test breaks one property
 * on purpose in the history of an otherwise clean run (a late settlement, a swapped
 * reply, a double execution, a missed fanout) and expects exactly that checker to fire.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Checker } from "../../sim/checkers/index.js";
import { fanoutCoverage } from "../../sim/checkers/membership.js";
import { atMostOnce, replyRouting, settleDeadline } from "../../sim/checkers/requests.js";
import { KIND, OUTCOME } from "../../sim/history/call-log.js";
import { FAULTS_NONE } from "../../sim/faults/options.js";
import { runSimulation, type SimResult } from "../../sim/run.js";
import { Violations } from "../../sim/violations.js";

async function clean(): Promise<SimResult> {
  const r = await runSimulation({
    seed: 5,
    cluster: { hosts: 5, serversPerTopic: 3 },
    workload: { calls: 300, mix: { call: 6, cast: 2, fanout: 2 } },
    faults: FAULTS_NONE,
  });
  assert.deepEqual(r.violations, []);
  return r;
}

function recheck(r: SimResult, c: Checker): string[] {
  const violations = new Violations();
  c.check({ ctx: { ...r.ctx, violations }, cluster: r.cluster, healUs: r.healUs });
  return violations.list().map((v) => v.checker);
}

const first = (r: SimResult, kind: number): number => {
  for (let i = 0; i < r.ctx.calls.size; i++)
    if (r.ctx.calls.kind[i] === kind && r.ctx.calls.outcome[i] === OUTCOME.replied && r.ctx.calls.probe[i] === 0)
      return i;
  throw new Error("no such request");
};

describe("sim checkers", () => {
  it("settle-by-deadline flags a request settled after deadline + slack", async () => {
    const r = await clean();
    assert.deepEqual(recheck(r, settleDeadline), []);
    const i = first(r, KIND.call);
    r.ctx.calls.settledLocalMs[i] = r.ctx.calls.deadlineLocalMs[i]! + 5;
    assert.deepEqual(recheck(r, settleDeadline), ["settle-by-deadline"]);
  });

  it("reply-to-right-caller flags a call resolved with another request's reply", async () => {
    const r = await clean();
    const i = first(r, KIND.call);
    r.ctx.calls.replyN[i] = i + 1;
    assert.deepEqual(recheck(r, replyRouting), ["reply-to-right-caller"]);
  });

  it("at-most-once flags a call whose handler ran twice", async () => {
    const r = await clean();
    r.ctx.exec.runs[first(r, KIND.call)] = 2;
    assert.deepEqual(recheck(r, atMostOnce), ["at-most-once"]);
  });

  it("fanout-reaches-live-servers flags a resolved fanout missing on a live server", async () => {
    const r = await clean();
    const i = first(r, KIND.fanout);
    assert.deepEqual(recheck(r, fanoutCoverage), []);
    r.ctx.exec.fanoutHosts.set(i, r.ctx.exec.fanoutHosts.get(i)!.slice(1));
    assert.deepEqual(recheck(r, fanoutCoverage), ["fanout-reaches-live-servers"]);
  });
});
