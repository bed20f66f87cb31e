/**
 * Goal: a load client's count of the servers (src/load/server-poll.ts, spec/load.md,
 * "Lost-message accounting") gets one answer per server the matchmaker lists, sums them,
 * and stops once the expected total is reached or the total stayed unchanged for
 * settleMs; a fanout expects its count from every server; no server listed asks none.
 * Method: pollServerCounts with scripted answers on a ManualClock advanced while it waits.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pollServerCounts } from "../../src/load/server-poll.js";
import { ManualClock } from "../support/manual-clock.js";

/** Runs pollServerCounts with answers from `counts()` (per server) on a ManualClock, advancing it while the poll sleeps. */
async function poll(
  servers: () => Record<string, number>,
  opts: { expected: number; expectedPerServer?: number; settleMs: number; fail?: boolean },
): Promise<{ result: Awaited<ReturnType<typeof pollServerCounts>>; asks: number; elapsedMs: number }> {
  const clock = new ManualClock();
  let asks = 0;
  let turn = 0;
  const p = pollServerCounts({
    clock,
    run: "r",
    serverCount: async () => Object.keys(servers()).length,
    ask: async (_m, args) => {
      asks++;
      if (opts.fail) throw new Error("down");
      const names = Object.keys(servers());
      const name = names[turn++ % names.length]!;
      return { server: name, run: args.run, received: servers()[name], bytes: 0 };
    },
    expected: opts.expected,
    ...(opts.expectedPerServer !== undefined ? { expectedPerServer: opts.expectedPerServer } : {}),
    settleMs: opts.settleMs,
  });
  let done = false;
  const result = p.finally(() => (done = true));
  while (!done) {
    await new Promise((r) => setImmediate(r));
    clock.advance(100);
  }
  return { result: await result, asks, elapsedMs: clock.nowMs() };
}

test("load - polling the servers: one answer per listed server, summed; stops once the expected total is reached", async () => {
  const { result } = await poll(() => ({ a: 3, b: 4 }), { expected: 7, settleMs: 1000 });
  assert.deepEqual(result.servers, [
    { server: "a", received: 3 },
    { server: "b", received: 4 },
  ]);
  assert.equal(result.received, 7);
  assert.equal(result.listed, 2);
});

test("load - polling the servers: counts still rising are waited for; counts that stop changing end the poll after settleMs", async () => {
  let n = 0;
  const rising = await poll(
    () => {
      n++;
      return { a: Math.min(10, n) };
    },
    { expected: 10, settleMs: 300 },
  );
  assert.equal(rising.result.received, 10);
  const stuck = await poll(() => ({ a: 5 }), { expected: 10, settleMs: 300 });
  assert.equal(stuck.result.received, 5);
  assert.ok(stuck.elapsedMs >= 300);
});

test("load - polling the servers: a fanout expects its count from every listed server; no server or failing asks give 0", async () => {
  const fan = await poll(() => ({ a: 5, b: 5, c: 5 }), { expected: 5, expectedPerServer: 5, settleMs: 200 });
  assert.equal(fan.result.received, 15);
  assert.equal(fan.result.listed, 3);
  const none = await poll(() => ({}), { expected: 5, settleMs: 200 });
  assert.deepEqual(none.result, { servers: [], received: 0, listed: 0 });
  assert.equal(none.asks, 0);
  const failing = await poll(() => ({ a: 1 }), { expected: 5, settleMs: 200, fail: true });
  assert.equal(failing.result.received, 0);
});
