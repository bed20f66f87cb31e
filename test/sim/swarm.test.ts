/**
 * Swarm: a bounded sweep of seeds, each with its own random cluster, workload, driver
 * options and fault mix, passes every checker. Longer sweeps belong to the CLI
 * (`npm run sim -- --swarm 500 --seed <n>`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../../sim/run.js";
import { optionsSwarm, SWARM_REQUEST_SHARE } from "../../sim/swarm.js";

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

  // Each seed once failed a checker; the comment says which and why. They failed in the
  // worlds drawn before the request share (decision 0017), which requestShare 1 draws.
  const regressions: Record<number, string> = {
    // fanout-reaches-live-servers: the last request, a fanout, was issued in the
    // microsecond the healing restarted crashed servers of its topic, before they
    // registered; the checker counted them as listed at the issue.
    424469: "fanout to servers registered in the microsecond of its issue",
    // clean-shutdown: two timers of a process fell due while it was paused; on resume the
    // first one's callback (a call's deadline, releasing its lease) cleared the second (the
    // pool's wake timer) and armed a new one, but the simulated clock still ran the cleared
    // callback, which disarmed the new timer's record: it outlived Transport.close(). Node
    // never runs a cleared timer's callback; the simulated clock now doesn't either.
    1453: "a timer cleared after it fell due in a paused process no longer runs",
    4487: "a timer cleared after it fell due in a paused process no longer runs (deadline releases a lease)",
    7989: "a timer cleared after it fell due in a paused process no longer runs (on two hosts)",
    // clean-shutdown: a graceful restart's Transport.close() outlasted the liveness phase
    // (slow handlers to drain); when it finished during the shutdown, the cluster started a
    // new incarnation that nothing closed (its refresh timer and ROUTER left open).
    8312: "a graceful restart that finishes during the shutdown starts no new incarnation",
    // fanout-reaches-live-servers: a server began a graceful stop during a Redis outage, so
    // its unregister failed and it stayed listed until its TTL; fanouts after the outage
    // reached it while stopping and were refused, as server.md says. The stop finished
    // after the checks, so the checker did not yet know the incarnation had ended; it
    // now counts from the beginning of the stop. Also the clean-shutdown case of 8312.
    3279: "a stopping server is excused from fanouts from the moment its stop begins",
    // crashed-host-leaves-discovery: a registration refresh sent 0.3 ms before the crash
    // landed 0.7 ms after it (2 ms matchmaker round trip); a zombie is a registration sent
    // after the crash.
    1389: "a registration sent before the crash that lands after it is no zombie",
  };
  for (const [seed, why] of Object.entries(regressions)) {
    it(`swarm seed ${seed} has no violations (${why})`, async () => {
      const r = await runSimulation(optionsSwarm(Number(seed), { requestShare: 1 }));
      assert.deepEqual(r.violations, [], `optionsSwarm(${seed}, { requestShare: 1 })`);
    });
  }

  it("different seeds draw different worlds; one seed always the same", () => {
    const a = optionsSwarm(1);
    assert.deepEqual(optionsSwarm(1), a);
    const worlds = new Set([1, 2, 3, 4, 5].map((s) => JSON.stringify(optionsSwarm(s))));
    assert.equal(worlds.size, 5);
    assert.deepEqual(optionsSwarm(3, { hosts: 500, calls: 7 }).cluster?.hosts, 500);
  });

  it("the request share scales the drawn request count and rate, and nothing else", () => {
    for (const seed of [1, 2, 3, 1389, 424469]) {
      const whole = optionsSwarm(seed, { requestShare: 1 });
      const share = optionsSwarm(seed);
      const issued = (drawn: number | undefined): number => Math.max(1, Math.round(drawn! * SWARM_REQUEST_SHARE));
      assert.equal(share.workload?.calls, issued(whole.workload?.calls));
      assert.equal(share.workload?.ratePerSec, issued(whole.workload?.ratePerSec));
      const rest = (o: typeof whole): unknown => ({ ...o, workload: { ...o.workload, calls: 0, ratePerSec: 0 } });
      assert.deepEqual(rest(share), rest(whole));
      assert.equal(optionsSwarm(seed, { calls: 7 }).workload?.calls, 7);
    }
  });
});
