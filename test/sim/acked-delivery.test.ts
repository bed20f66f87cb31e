/**
 * The acknowledged-delivery checkers (sim/checkers/acked-delivery.ts) catch what they
 * claim to catch: each test takes the history of a real run, breaks the property in it on
 * purpose (a cast marked acknowledged that no server ever read, a non-idempotent call run
 * on a second server) and expects exactly that checker to fire, and shows the excuses the
 * checker allows are allowed for their reason only. Each checker also catches a planted
 * client bug (sim/planted-bugs.ts) in the scenario that exposes it, while the bug stays
 * hidden in a quiet run with acks on and the real driver passes the scenario.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Checker } from "../../sim/checkers/index.js";
import { ackedCastDelivered, nonIdempotentNeverTwice } from "../../sim/checkers/acked-delivery.js";
import { atMostOnce } from "../../sim/checkers/requests.js";
import { FLAG, KIND, OUTCOME } from "../../sim/history/call-log.js";
import { serverKey } from "../../sim/history/exec-log.js";
import { FAULTS_NONE } from "../../sim/faults/options.js";
import { findScenario } from "../../sim/scenarios/catalog.js";
import { runSimulation, type SimResult } from "../../sim/run.js";
import { Violations } from "../../sim/violations.js";

/** h0 and h1 serve t0, h2 and h3 send to it; calls and casts. */
const base = {
  seed: 9,
  cluster: { hosts: 4, servers: 2, serversPerTopic: 2, topicsPerClient: 1 },
  workload: { calls: 300, ratePerSec: 500, timeoutMs: 200, mix: { call: 1, cast: 1, fanout: 0 } },
  faults: FAULTS_NONE,
};

function recheck(r: SimResult, c: Checker): string[] {
  const violations = new Violations();
  c.check({ ctx: { ...r.ctx, violations }, cluster: r.cluster, healUs: r.healUs });
  return violations.list().map((v) => v.message);
}

function requests(r: SimResult, kind: number, pred: (n: number) => boolean = () => true): number[] {
  const out: number[] = [];
  for (let n = 0; n < r.ctx.calls.size; n++) if (r.ctx.calls.kind[n] === kind && pred(n)) out.push(n);
  return out;
}

describe("sim acked-delivery checkers", () => {
  it("acked-cast-delivered flags a cast resolved as acknowledged that no server ever read", async () => {
    // Without acks a cast resolves once sent; the drop fault loses h2's casts to h0 on the
    // wire, so some resolved and never ran. That is no violation while acks are off.
    const r = await runSimulation({
      ...base,
      schedule: [{ kind: "drop", atMs: 200, forMs: 200, from: 2, to: 0, message: "cast" }],
    });
    assert.deepEqual(r.violations, []);
    const lost = requests(r, KIND.cast, (n) => r.ctx.calls.outcome[n] === OUTCOME.replied && r.ctx.exec.runs[n] === 0);
    assert.ok(lost.length > 0);
    assert.deepEqual(recheck(r, ackedCastDelivered), []);
    // The same history, had those casts been acknowledged, is a lie.
    for (const n of lost) r.ctx.calls.flags[n]! |= FLAG.acks;
    const found = recheck(r, ackedCastDelivered);
    assert.equal(found.length, lost.length);
    assert.match(found[0]!, /resolved with acks on but never ran: no server read it/);
  });

  it("acked-cast-delivered excuses an acknowledged cast that never ran only if its server crashed after reading it", async () => {
    const r = await runSimulation(base);
    const cast = requests(r, KIND.cast, (n) => r.ctx.calls.outcome[n] === OUTCOME.replied)[0]!;
    r.ctx.calls.flags[cast]! |= FLAG.acks;
    assert.deepEqual(recheck(r, ackedCastDelivered), []);
    // Take its run away: the server read it in time and started later requests, so it
    // should have run.
    const key = r.ctx.reads.firstServer[cast]!;
    const runs = r.ctx.exec.byServer.get(key)!;
    runs.n[runs.n.indexOf(cast)] = -1;
    assert.match(recheck(r, ackedCastDelivered).join(), /never ran: h\d\/0 read in time/);
    // Had that server process crashed after reading it, the cast may have died queued.
    const host = Math.floor(key / 1_000_000);
    r.ctx.faults.crashes.push({ host, incarnation: 0, atUs: r.ctx.reads.firstUs[cast]!, address: undefined, keys: [] });
    assert.deepEqual(recheck(r, ackedCastDelivered), []);
  });

  // Swarm seed 233: a server 0.8 ms short of the deadline took, acknowledged and then
  // dropped a cast as expired in its work gate; the wire's deadline is rounded down.
  it("acked-cast-delivered excuses a cast read in the deadline's last ms, not one read at or after the deadline", async () => {
    const r = await runSimulation(base);
    const cast = requests(r, KIND.cast, (n) => r.ctx.calls.outcome[n] === OUTCOME.replied)[0]!;
    r.ctx.calls.flags[cast]! |= FLAG.acks;
    const key = r.ctx.reads.firstServer[cast]!;
    const runs = r.ctx.exec.byServer.get(key)!;
    runs.n[runs.n.indexOf(cast)] = -1;
    const deadlineUs = r.ctx.calls.deadlineLocalMs[cast]! * 1000; // no clock faults: local time is virtual time
    r.ctx.reads.firstUs[cast] = deadlineUs - 500;
    assert.deepEqual(recheck(r, ackedCastDelivered), [], "the server may have taken it, then let it expire");
    r.ctx.reads.firstUs[cast] = deadlineUs;
    assert.match(recheck(r, ackedCastDelivered).join(), /never ran: h\d\/0 read it after its deadline/);
  });

  it("acked-cast-delivered flags an acknowledged cast that ran twice, on one server even when idempotent", async () => {
    const r = await runSimulation(base);
    const cast = requests(r, KIND.cast, (n) => r.ctx.calls.outcome[n] === OUTCOME.replied)[0]!;
    r.ctx.calls.flags[cast]! |= FLAG.acks;
    const key = r.ctx.reads.firstServer[cast]!;
    const other = key === serverKey(0, 0) ? 1 : 0;
    r.ctx.exec.executed(cast, other, 0);
    assert.match(recheck(r, ackedCastDelivered).join(), /non-idempotent cast #\d+ .* ran 2 times/);
    r.ctx.calls.flags[cast]! |= FLAG.idempotent;
    assert.deepEqual(recheck(r, ackedCastDelivered), [], "an idempotent cast may run on two servers");
    r.ctx.exec.executed(cast, other, 0);
    assert.match(recheck(r, ackedCastDelivered).join(), /idempotent cast #\d+ .* ran twice on h[01]\/0/);
  });

  it("non-idempotent-never-twice flags a call run on a second server; at-most-once lets an idempotent one move", async () => {
    const r = await runSimulation(base);
    assert.deepEqual(recheck(r, nonIdempotentNeverTwice), []);
    const call = requests(r, KIND.call, (n) => r.ctx.calls.outcome[n] === OUTCOME.replied)[0]!;
    const other = r.ctx.calls.replyServer[call] === 0 ? 1 : 0;
    r.ctx.exec.executed(call, other, 0);
    assert.match(
      recheck(r, nonIdempotentNeverTwice).join(),
      /non-idempotent call #\d+ .* ran on 2 servers: h\d\/0, h\d\/0/,
    );
    assert.equal(recheck(r, atMostOnce).length, 1);
    r.ctx.calls.flags[call]! |= FLAG.idempotent;
    assert.deepEqual(recheck(r, nonIdempotentNeverTwice), []);
    assert.deepEqual(recheck(r, atMostOnce), []);
  });

  for (const [bug, scenarioName, checker] of [
    ["moves-non-idempotent", "ack-server-hangs", nonIdempotentNeverTwice.name],
    ["cast-before-ack", "request-lost", ackedCastDelivered.name],
  ] as const) {
    it(`${checker} catches the planted bug ${bug} in scenario ${scenarioName}; the real driver passes it`, async () => {
      const s = findScenario(scenarioName)!;
      const planted = await runSimulation({ ...s.input, seed: s.seed, plantedBug: bug });
      assert.ok(
        planted.violations.some((v) => v.checker === checker),
        JSON.stringify(planted.violationCounts),
      );
      const quiet = await runSimulation({
        ...base,
        workload: { ...base.workload, idempotentRatio: 0.5 },
        driver: { acks: true, ackTimeoutMs: 20 },
        plantedBug: bug,
      });
      assert.deepEqual(quiet.violations, [], "without the fault the bug stays hidden");
      const real = await runSimulation({ ...s.input, seed: s.seed });
      assert.deepEqual(real.violations, []);
    });
  }
});
