/**
 * Failures outside the checkers' logs become violations instead of hanging or crashing the
 * simulator: code that spins on microtasks while reading the clock is stopped by the
 * livelock guard (the spin gets an exception, the run goes on), and the process clock
 * behaves like Node's setTimeout (never sooner than 1 ms, fractions truncated; a due timer
 * whose callback has not run yet can still be cleared).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IDEAL_TIME, nodeTimerDelayMs, ProcessClock, SimLivelock } from "../../sim/host-clock.js";
import { Scheduler } from "../../sim/scheduler.js";
import { Trace } from "../../sim/trace.js";

describe("sim safety nets", () => {
  it("a microtask spin that reads the clock is interrupted and reported once; later events still run", async () => {
    const s = new Scheduler();
    const clock = new ProcessClock(s, IDEAL_TIME, { enterWith: (fn, arg) => fn(arg) }, new Trace(() => s.nowUs), 0);
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
    const clock = new ProcessClock(s, IDEAL_TIME, { enterWith: (fn, arg) => fn(arg) }, new Trace(() => s.nowUs), 0);
    const fired: number[] = [];
    clock.setTimer(0, () => fired.push(s.nowUs));
    clock.setTimer(2.7, () => fired.push(s.nowUs));
    clock.setTimerExact(0.25, () => fired.push(s.nowUs));
    await s.run();
    assert.deepEqual(fired, [250, 1000, 2000]);
  });

  // Swarm seeds 1453, 4487, 7989: two timers fell due while their process was paused; on
  // resume the first one's callback cleared the second (still armed as far as Node is
  // concerned), but the second ran anyway and disarmed a WakeTimer's newer timer, which
  // then outlived Transport.close().
  it("a timer that fell due while its process was paused and is cleared before its callback runs never runs", async () => {
    const s = new Scheduler();
    const deferred: (() => void)[] = [];
    let paused = true;
    const gate = {
      enterWith<A>(fn: (arg: A) => void, arg: A): void {
        if (paused) deferred.push(() => fn(arg));
        else fn(arg);
      },
    };
    const clock = new ProcessClock(s, IDEAL_TIME, gate, new Trace(() => s.nowUs), 0);
    const ran: string[] = [];
    let second = 0;
    clock.setTimer(1, () => {
      ran.push("first");
      clock.clearTimer(second);
    });
    second = clock.setTimer(2, () => ran.push("second"));
    await s.run();
    assert.equal(clock.pending, 2, "both are due, their callbacks wait in the gate: still armed");
    paused = false;
    for (const fn of deferred.splice(0)) fn();
    assert.deepEqual(ran, ["first"]);
    assert.equal(clock.pending, 0);
  });
});
