/**
 * The routing checkers (sim/checkers/routing.ts) catch what they claim to catch: each test
 * takes the RoutingLog of a real run, adds the pick that breaks the property (a pick of a
 * host held open, a second probe, a pick of a cut-off server past the heartbeat bound) and
 * expects exactly that checker to fire, and shows the excuses (a probe, a pick after the
 * fault ended, a connection the pool closed before the bound) are allowed for their reason
 * only. Each checker also catches a planted client bug (sim/planted-bugs.ts) in the
 * scenario that exposes it, while the bug stays hidden in a quiet run and the real driver
 * passes the scenario (test/sim/scenarios.test.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Checker } from "../../sim/checkers/index.js";
import { breakerOpenNoTraffic, deadPeerLeavesRouting } from "../../sim/checkers/routing.js";
import { serverKey } from "../../sim/history/exec-log.js";
import { HEALTH } from "../../sim/history/routing-log.js";
import { findScenario } from "../../sim/scenarios/catalog.js";
import { runSimulation, type SimResult } from "../../sim/run.js";
import { Violations } from "../../sim/violations.js";

function recheck(r: SimResult, c: Checker): string[] {
  const violations = new Violations();
  c.check({ ctx: { ...r.ctx, violations }, cluster: r.cluster, healUs: r.healUs });
  return violations.list().map((v) => v.message);
}

async function scenario(name: string, plantedBug?: string): Promise<SimResult> {
  const s = findScenario(name)!;
  return runSimulation({ ...s.input, seed: s.seed, ...(plantedBug ? { plantedBug } : {}) });
}

const h0 = (r: SimResult): string => r.cluster.hosts[0]!.incarnations[0]!.address!;
const H3 = serverKey(3, 0);

describe("sim routing checkers", () => {
  it("breaker-open-no-traffic flags a pick of a host held open or probing, and a second probe in one cool-down", async () => {
    const r = await scenario("partitioned-server-leaves-routing");
    assert.deepEqual(recheck(r, breakerOpenNoTraffic), []);
    const log = r.ctx.routing;
    log.pick(3_000_000, H3, h0(r), HEALTH.open);
    assert.match(recheck(r, breakerOpenNoTraffic).join(), /h3\/0 picked h0\/0 while its breaker held it open/);
    log.pick(3_000_000, H3, h0(r), HEALTH.probing);
    assert.match(recheck(r, breakerOpenNoTraffic).join(), /h3\/0 picked h0\/0 while its breaker held it probing/);
    const r2 = await scenario("partitioned-server-leaves-routing");
    const log2 = r2.ctx.routing;
    log2.transition(3_000_000, H3, h0(r2), HEALTH.open, HEALTH["half-open"]);
    log2.pick(3_000_000, H3, h0(r2), HEALTH["half-open"]);
    assert.deepEqual(recheck(r2, breakerOpenNoTraffic), [], "one probe per cool-down");
    log2.pick(3_000_001, H3, h0(r2), HEALTH["half-open"]);
    assert.match(recheck(r2, breakerOpenNoTraffic).join(), /h3\/0 sent h0\/0 a second probe in one cool-down/);
  });

  it("dead-peer-leaves-routing flags a pick of a cut-off server past the bound, not a probe, not one after the fault ended", async () => {
    const r = await scenario("partitioned-server-leaves-routing");
    assert.deepEqual(recheck(r, deadPeerLeavesRouting), []);
    const cut = r.ctx.routing.cutLinks.find((c) => c.client === 3 && c.server === 0)!;
    const fault = r.ctx.faults.applied.find((a) => a.index === cut.fault)!;
    const log = r.ctx.routing;
    log.pick(cut.startUs + 300_000, H3, h0(r), HEALTH.closed); // within the bound: h3 may not know yet
    log.pick(fault.endUs + 1, H3, h0(r), HEALTH.closed); // the fault is over
    log.pick(cut.startUs + 1_000_000, H3, h0(r), HEALTH["half-open"]); // a probe
    assert.deepEqual(recheck(r, deadPeerLeavesRouting), []);
    log.pick(cut.startUs + 1_000_000, H3, h0(r), HEALTH.closed);
    assert.match(
      recheck(r, deadPeerLeavesRouting).join(),
      /h3\/0 picked h0\/0 \(breaker closed\) 5\d\d\.\d+ ms past the heartbeat bound of fault #0/,
    );
    // Had h3's pool closed that socket before the bound, there was no connection to watch.
    const closedUs = cut.socket.closedUs;
    cut.socket.closedUs = cut.startUs + 100_000;
    assert.deepEqual(recheck(r, deadPeerLeavesRouting), []);
    cut.socket.closedUs = closedUs;
  });

  for (const [bug, scenarioName, checker] of [
    ["ignores-disconnects", "partitioned-server-leaves-routing", deadPeerLeavesRouting.name],
    ["ignores-disconnects", "hung-server-leaves-routing", deadPeerLeavesRouting.name],
    ["ignores-open-breaker", "breaker-soft-failures", breakerOpenNoTraffic.name],
  ] as const) {
    it(`${checker} catches the planted bug ${bug} in scenario ${scenarioName}; a quiet run hides it`, async () => {
      const planted = await scenario(scenarioName, bug);
      assert.ok(
        planted.violations.some((v) => v.checker === checker),
        JSON.stringify(planted.violationCounts),
      );
      const s = findScenario(scenarioName)!;
      const quiet = await runSimulation({ ...s.input, seed: s.seed, schedule: [], plantedBug: bug });
      assert.deepEqual(quiet.violations, [], "without the fault the bug stays hidden");
    });
  }
});
