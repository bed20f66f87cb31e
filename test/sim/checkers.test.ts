/**
 * The checkers themselves catch what they claim to catch: each test breaks one property
 * on purpose in the history of an otherwise clean run (a late settlement, a swapped
 * reply, a double execution, a missed fanout, a zombie registration) and expects exactly
 * that checker to fire.
 * reply, a double execution, a missed fanout, a start after the deadline) and expects
 * exactly that checker to fire. The server-side checkers are also shown catching a
 * planted driver bug (sim/planted-bugs.ts) in the scenario that exposes it, while the
 * real driver passes the same scenario.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Checker } from "../../sim/checkers/index.js";
import { discoveryTtl, fanoutCoverage } from "../../sim/checkers/membership.js";
import { topicName } from "../../sim/cluster/node.js";
import { atMostOnce, replyRouting, settleDeadline } from "../../sim/checkers/requests.js";
import { executedOncePerServer, noWorkAfterDeadline } from "../../sim/checkers/server-runs.js";
import { serverKey } from "../../sim/history/exec-log.js";
import { findScenario } from "../../sim/scenarios/catalog.js";
import { KIND, OUTCOME } from "../../sim/history/call-log.js";
import { FAULTS_NONE } from "../../sim/faults/options.js";
import { runSimulation, type SimResult } from "../../sim/run.js";
import { Violations } from "../../sim/violations.js";
import { topicKey } from "../../src/core/target.js";

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

  // Swarm seed 424469: healing restarted crashed servers in the microsecond the last
  // request, a fanout, was issued, after its host lookup; the checker demanded them.
  it("fanout-reaches-live-servers judges servers listed before the fanout was issued, not at its microsecond", async () => {
    /** A clean run in which one server of a fanout registered `beforeUs` before its issue, and did not run it. */
    const moved = async (beforeUs: number): Promise<string[]> => {
      const r = await clean();
      const i = first(r, KIND.fanout);
      const [s, ...rest] = r.ctx.exec.fanoutHosts.get(i)!;
      const key = topicKey({ topic: topicName(r.ctx.calls.topic[i]!) });
      const address = r.cluster.hosts[s!]!.incarnations[0]!.address!;
      const issuedUs = r.ctx.calls.issuedUs[i]!;
      r.ctx.discovery.unregistered(key, address, issuedUs - beforeUs - 1);
      r.ctx.discovery.registered(key, address, issuedUs - beforeUs, null);
      r.ctx.exec.fanoutHosts.set(i, rest);
      return recheck(r, fanoutCoverage);
    };
    assert.deepEqual(await moved(0), []);
    assert.deepEqual(await moved(1), ["fanout-reaches-live-servers"]);
  });

  // Swarm seed 1389: a refresh sent 0.3 ms before the server crashed reached the
  // matchmaker 0.7 ms after the crash (2 ms round trip); the checker called it a zombie.
  it("crashed-host-leaves-discovery flags a registration sent after the crash, not one sent before it that landed after", async () => {
    /** A clean run in which a server crashed `crashAfterSendUs` after sending a registration that landed 1 ms after it was sent. */
    const crashed = async (crashAfterSendUs: number): Promise<string[]> => {
      const r = await clean();
      const s = r.cluster.serversOfTopic[0]![0]!;
      const address = r.cluster.hosts[s]!.incarnations[0]!.address!;
      const key = topicKey({ topic: topicName(0) });
      const sentUs = r.ctx.scheduler.nowUs + 1000;
      r.ctx.discovery.registered(key, address, sentUs + 1000, 3000, sentUs);
      const atUs = sentUs + crashAfterSendUs;
      r.ctx.faults.crashes.push({ host: s, incarnation: 0, atUs, address, keys: [key] });
      return recheck(r, discoveryTtl);
    };
    assert.deepEqual(await crashed(300), []);
    assert.deepEqual(await crashed(-1), ["crashed-host-leaves-discovery"]);
  });
  it("executed-at-most-once-per-server flags a server process that ran one request twice", async () => {
    const r = await clean();
    assert.deepEqual(recheck(r, executedOncePerServer), []);
    const i = first(r, KIND.call);
    const runs = [...r.ctx.exec.byServer.values()].find((x) => x.n.includes(i))!;
    runs.n.push(i);
    runs.atUs.push(r.ctx.calls.settledUs[i]!);
    assert.deepEqual(recheck(r, executedOncePerServer), ["executed-at-most-once-per-server"]);
  });

  it("no-work-after-deadline flags a handler started after its deadline on the caller's clock", async () => {
    const r = await clean();
    assert.deepEqual(recheck(r, noWorkAfterDeadline), []);
    const i = first(r, KIND.cast);
    const runs = [...r.ctx.exec.byServer.values()].find((x) => x.n.includes(i))!;
    const deadlineUs = r.ctx.calls.issuedUs[i]! + r.options.workload.timeoutMs * 1000;
    runs.atUs[runs.n.indexOf(i)] = deadlineUs + 1000; // no clock skew in this run: no allowance
    assert.deepEqual(recheck(r, noWorkAfterDeadline), ["no-work-after-deadline"]);
  });

  it("fanout-reaches-live-servers excuses a missing copy the server read after its deadline, not one read in time", async () => {
    const r = await clean();
    const i = first(r, KIND.fanout);
    const [s, ...rest] = r.ctx.exec.fanoutHosts.get(i)!;
    r.ctx.exec.fanoutHosts.set(i, rest);
    const runs = r.ctx.exec.byServer.get(serverKey(s!, 0))!;
    runs.n.splice(runs.n.indexOf(i), 1, -1); // the copy never ran on h<s>
    assert.deepEqual(recheck(r, fanoutCoverage), ["fanout-reaches-live-servers"]);
    const key = serverKey(s!, 0);
    const atDeadlineUs = r.ctx.calls.issuedUs[i]! + r.options.workload.timeoutMs * 1000;
    const { reads } = r.ctx;
    if (reads.firstServer[i] === key) reads.firstUs[i] = atDeadlineUs;
    else reads.more.get(i)!.find((x) => x.server === key)!.atUs = atDeadlineUs;
    assert.deepEqual(recheck(r, fanoutCoverage), [], "read at its deadline: the server may drop it");
  });

  // The planted bugs stay hidden in a quiet run (the first tests) and are exposed by the
  // scenario that delivers duplicates or holds requests past their deadline.
  for (const [bug, scenarioName, checker] of [
    ["no-dedup", "duplicate-requests", executedOncePerServer.name],
    ["run-expired", "pause-past-deadlines", noWorkAfterDeadline.name],
  ] as const) {
    it(`${checker} catches the planted bug ${bug} in scenario ${scenarioName}; the real driver passes it`, async () => {
      const s = findScenario(scenarioName)!;
      const planted = await runSimulation({ ...s.input, seed: s.seed, plantedBug: bug });
      assert.ok(
        planted.violations.some((v) => v.checker === checker),
        JSON.stringify(planted.violationCounts),
      );
      const quiet = await runSimulation({
        seed: 5,
        cluster: { hosts: 5, serversPerTopic: 3 },
        workload: { calls: 300 },
        faults: FAULTS_NONE,
        plantedBug: bug,
      });
      assert.deepEqual(quiet.violations, [], "without the fault the bug stays hidden");
      const real = await runSimulation({ ...s.input, seed: s.seed });
      assert.deepEqual(real.violations, []);
    });
  }
});
