/**
 * Goal: WakeTimer keeps one clock timer: armAt keeps a timer armed at or before the time
 * asked for and replaces a later one, covers() tells which, clear() disarms, and a fired
 * timer counts as disarmed before its callback runs (so the callback may arm again).
 * Method: a manual clock; the test reads its armed timers and fires them by advancing it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { WakeTimer } from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";

function setup() {
  const clock = new ManualClock();
  const fired: number[] = [];
  const timer = new WakeTimer(clock, () => fired.push(clock.nowMs()));
  return { clock, fired, timer };
}

test("wake-timer - an earlier armed timer is kept, a later one is replaced", () => {
  const { clock, fired, timer } = setup();
  assert.equal(timer.covers(Infinity), false, "nothing armed covers nothing");
  timer.armAt(10);
  timer.armAt(20);
  assert.equal(clock.pending, 1);
  assert.equal(timer.covers(20), true);
  assert.equal(timer.covers(10), true);
  assert.equal(timer.covers(9), false);
  timer.armAt(5);
  assert.equal(clock.pending, 1, "the timer at 10 was cleared, not left behind");
  clock.advance(30);
  assert.deepEqual(fired, [5]);
  assert.equal(timer.covers(Infinity), false, "a fired timer is disarmed");
});

test("wake-timer - the caller's clock reading sets the delay; clear disarms and is idempotent", () => {
  const { clock, fired, timer } = setup();
  clock.advance(100);
  timer.armAt(110, 104); // the caller read the clock at 104: the delay is 6 from now
  clock.advance(6);
  assert.deepEqual(fired, [106]);
  timer.armAt(200);
  timer.clear();
  timer.clear();
  assert.equal(clock.pending, 0);
  clock.advance(200);
  assert.deepEqual(fired, [106]);
});

test("wake-timer - the callback may arm the next wake-up", () => {
  const clock = new ManualClock();
  const fired: number[] = [];
  const timer: WakeTimer = new WakeTimer(clock, () => {
    fired.push(clock.nowMs());
    if (fired.length < 3) timer.armAt(clock.nowMs() + 10);
  });
  timer.armAt(10);
  clock.advance(100);
  assert.deepEqual(fired, [10, 20, 30]);
  assert.equal(clock.pending, 0);
});
