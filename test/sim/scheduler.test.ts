/**
 * Virtual time: events run in (time, sequence) order, cancelled events never run, and
 * every microtask an event starts (an async chain of any depth) completes before virtual
 * time moves on, with either drain. The two drains give the same trace hash on a whole
 * simulated cluster, which is the strongest evidence that the synchronous drain is exact.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Scheduler } from "../../sim/scheduler.js";
import { runSimulation } from "../../sim/run.js";
import { FAULTS_DEFAULT } from "../../sim/faults/options.js";

describe("sim scheduler", () => {
  it("runs events in time order and same-time events in scheduling order", async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(30, () => seen.push("c"));
    s.at(10, () => seen.push("a1"));
    s.at(10, () => seen.push("a2"));
    s.at(20, () => seen.push("b"));
    assert.equal(await s.run(), "idle");
    assert.deepEqual(seen, ["a1", "a2", "b", "c"]);
    assert.equal(s.nowUs, 30);
  });

  it("never runs a cancelled event", async () => {
    const s = new Scheduler();
    const seen: number[] = [];
    const evs = [1, 2, 3, 4, 5].map((t) => s.at(t, () => seen.push(t)));
    s.cancel(evs[1]);
    s.cancel(evs[3]);
    await s.run();
    assert.deepEqual(seen, [1, 3, 5]);
  });

  for (const mode of ["sync", "immediate"] as const) {
    it(`drains an async chain of any depth before the clock moves (${mode} drain)`, async () => {
      const s = new Scheduler(mode);
      const times: number[] = [];
      const chain = async (depth: number): Promise<void> => {
        for (let i = 0; i < depth; i++) await Promise.resolve();
        times.push(s.nowUs);
        await new Promise<void>((r) => process.nextTick(r));
        times.push(s.nowUs);
      };
      s.at(5, () => void chain(500));
      s.at(6, () => times.push(-s.nowUs));
      await s.run();
      assert.deepEqual(times, [5, 5, -6]);
    });
  }

  it("stops at untilUs and when stop() says so", async () => {
    const s = new Scheduler();
    let n = 0;
    const tick = (): void => {
      n++;
      s.after(10, tick);
    };
    s.at(0, tick);
    assert.equal(await s.run({ untilUs: 95 }), "until");
    assert.equal(n, 10);
    assert.equal(await s.run({ stop: () => n >= 15 }), "stopped");
    assert.equal(n, 15);
  });

  it("the synchronous and the setImmediate drain give the same trace hash on a faulty cluster", async () => {
    const input = {
      seed: 99,
      cluster: { hosts: 6 },
      workload: { calls: 300, ratePerSec: 1000 },
      faults: { ...FAULTS_DEFAULT, clogsPerSec: 10, pausesPerSec: 5, crashesPerSec: 2 },
    };
    const sync = await runSimulation(input, { drain: "sync" });
    const slow = await runSimulation(input, { drain: "immediate" });
    assert.equal(sync.ctx.scheduler.slowDrains, 0, "the sync drain was used");
    assert.ok(slow.ctx.scheduler.slowDrains > 0);
    assert.equal(sync.traceHash, slow.traceHash);
    assert.deepEqual(sync.violations, []);
  });
});
