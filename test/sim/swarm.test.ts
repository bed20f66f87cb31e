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

  // Each seed once failed a checker; the comment says which and why. They run in the world
  // they drew when they failed (before the request share, decision 0020, and before the
  // swarm drew heartbeats, their faults and NTP clocks: `requestShare: 1, liveness: false`),
  // and in the world they draw now.
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
    // acked-cast-delivered: an acknowledged cast was read by a server whose clock was
    // 0.8 ms short of the caller's deadline, within the ms the wire's rounding down takes
    // off it; the server took it, acknowledged it and dropped it as expired in its work
    // gate. The checker had called any read within that ms "after the deadline".
    233: "an acknowledged cast read within the deadline's last ms and expired in the gate",
    // non-idempotent-never-twice, at-most-once, acked-cast-delivered: with acks, a resend
    // of a copy its host had accepted failed to leave the client (send-error), and the
    // delivery core put the request back into the rounds of failed sends, which picked
    // another server: a non-idempotent request ran on two. A failed resend now stays with
    // its host as a lost copy (the model test found the same path).
    5013: "a failed resend of an accepted copy stays with its host (two hosts)",
    5153: "a failed resend of an accepted copy stays with its host (sixteen hosts)",
    // liveness-after-healing: the only server had failed its client for a while (its clock
    // seconds ahead, acks timing out), so it was open in the client's circuit breaker, and
    // the probe call after healing was refused at once ("circuit open"). The liveness phase
    // now waits out the longest breaker cool-down before it probes.
    6101: "the liveness probe waits out the breaker's cool-down (one server)",
    6259: "the liveness probe waits out the breaker's cool-down (21 hosts)",
  };
  for (const [seed, why] of Object.entries(regressions)) {
    it(`swarm seed ${seed} has no violations (${why})`, async () => {
      const then = await runSimulation(optionsSwarm(Number(seed), { liveness: false, requestShare: 1 }));
      assert.deepEqual(then.violations, [], `seed ${seed} in the world it drew when it failed`);
      const now = await runSimulation(optionsSwarm(Number(seed)));
      assert.deepEqual(now.violations, [], `npm run sim -- --swarm 1 --seed ${seed}`);
    });
  }

  // A graceful restart closed an incarnation whose server start was still retrying (its
  // registration had failed: the host was cut off from Redis); the retries went on against
  // the closed transport until they ran out, and the harness reported the old incarnation's
  // failed start as a startup fault. Fails without SimNode.isClosing in the loop and the check.
  for (const [seed, overrides] of [
    [50852, { burst: 8 }],
    [60506, { proxies: "draw" }],
  ] as const) {
    it(`swarm seed ${seed} (${JSON.stringify(overrides)}): a closed incarnation's failed start is no startup fault`, async () => {
      const r = await runSimulation(optionsSwarm(seed, overrides));
      assert.deepEqual(
        r.violations,
        [],
        `npm run sim -- --swarm 1 --seed ${seed} ${Object.entries(overrides)
          .map(([k, v]) => `--${k} ${v}`)
          .join(" ")}`,
      );
    });
  }

  // The world drew retry 0 and a send timeout of 28 ms: the liveness probe's one send, to a
  // host its client had no connection to, failed before a connection came up, and the probe
  // failed with it. Probes now may be sent again until their deadline (sim/workload.ts).
  it("swarm seed 30221: a liveness probe is sent again after a failed send, whatever retry the world drew", async () => {
    const r = await runSimulation(optionsSwarm(30221));
    assert.deepEqual(r.violations, [], "npm run sim -- --swarm 1 --seed 30221");
  });

  it("--burst sets every seed's burst and leaves the rest of its world as drawn", () => {
    for (const seed of [1, 2, 1389]) {
      const plain = optionsSwarm(seed, { proxies: "draw" });
      const burst = optionsSwarm(seed, { proxies: "draw", burst: 8 });
      assert.equal(burst.workload?.burst, 8);
      assert.equal(plain.workload?.burst, undefined);
      assert.deepEqual(
        { ...burst, workload: { ...burst.workload, burst: undefined } },
        {
          ...plain,
          workload: { ...plain.workload, burst: undefined },
        },
      );
    }
  });

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
