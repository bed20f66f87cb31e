/**
 * Failures outside the checkers' logs become violations instead of hanging or crashing the
 * simulator: code that spins on microtasks while reading the clock is stopped by the
 * livelock guard (the spin gets an exception, the run goes on), and the process clock
 * behaves like Node's setTimeout (never sooner than 1 ms, fractions truncated).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IDEAL_TIME, nodeTimerDelayMs, ProcessClock, SimLivelock } from "../../sim/host-clock.js";
import { Scheduler } from "../../sim/scheduler.js";
import { Trace } from "../../sim/trace.js";

describe("sim safety nets", () => {
  it("a microtask spin that reads the clock is interrupted and reported once; later events still run", async () => {
    const s = new Scheduler();
    const clock = new ProcessClock(s, IDEAL_TIME, { enter: (fn) => fn() }, new Trace(() => s.nowUs), 0);
    const reports: number[] = [];
    clock.livelockReads = 10_000; // the default (2,000,000) takes seconds to reach
    clock.onLivelock = (n) => reports.push(n);
    let caught: unknown;
    let after = false;
    s.at(10, () => {
      void (async () => {
        try {
          for (;;) {
            clock.nowMs();
            await null;
          }
        } catch (err) {
          caught = err;
        }
      })();
    });
    s.at(20, () => (after = true));
    await s.run();
    assert.ok(caught instanceof SimLivelock);
    assert.deepEqual(reports, [10_001]);
    assert.equal(after, true);
  });

  it("process timers wait like Node's setTimeout: at least 1 ms, fractions truncated", async () => {
    assert.deepEqual([0, 0.4, 1, 1.9, 2.7, -5, NaN].map(nodeTimerDelayMs), [1, 1, 1, 1, 2, 1, 1]);
    const s = new Scheduler();
    const clock = new ProcessClock(s, IDEAL_TIME, { enter: (fn) => fn() }, new Trace(() => s.nowUs), 0);
    const fired: number[] = [];
    clock.setTimer(0, () => fired.push(s.nowUs));
    clock.setTimer(2.7, () => fired.push(s.nowUs));
    clock.setTimerExact(0.25, () => fired.push(s.nowUs));
    await s.run();
    assert.deepEqual(fired, [250, 1000, 2000]);
  });
});
