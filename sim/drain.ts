/**
 * Microtask drains for the scheduler. After the events of one virtual instant, every
 * microtask (and process.nextTick callback) they started must run to completion before
 * the clock moves on. Two ways, same trace hash (test/sim/scheduler.test.ts and
 * test/sim/drain.test.ts; spec/sim.md, "Microtask drain", on the dependency):
 *
 * - "sync": `process._tickCallback()`, the function Node itself calls after every
 *   macrotask (processTicksAndRejections: nextTicks, then V8's microtask checkpoint, in
 *   a loop until both queues are empty, then unhandled-rejection processing). Called from
 *   a macrotask (never from inside a microtask, where V8 would skip the checkpoint) it
 *   empties both queues synchronously for about 0.1 µs. It is not a documented API, so
 *   `syncDrainWorks()` checks it before every use and the scheduler falls back.
 * - "immediate": await a setImmediate turn; Node drains everything before it. Portable,
 *   but each turn goes through libuv's poll phase (epoll_pwait): a few µs per instant,
 *   a quarter of the run time at scale.
 */
export type DrainMode = "sync" | "immediate";

type TickCallback = () => void;

function tickCallback(): TickCallback | undefined {
  const t = (process as unknown as { _tickCallback?: unknown })._tickCallback;
  return typeof t === "function" ? (t as TickCallback) : undefined;
}

/** Whether a synchronous drain empties the microtask queue here and now. */
export function syncDrainWorks(): boolean {
  const tick = tickCallback();
  if (!tick) return false;
  let ran = false;
  queueMicrotask(() => {
    ran = true;
  });
  tick.call(process);
  return ran;
}

/** Drains nextTicks and microtasks synchronously, with the lookup done once (the scheduler takes one per segment; only valid where syncDrainWorks() is true). */
export function syncDrainer(): () => void {
  const tick = tickCallback()!;
  return () => tick.call(process);
}
