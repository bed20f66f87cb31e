/**
 * Virtual time. The scheduler pops events in (time, seq) order and runs them. After every
 * event it lets every microtask the event started run to completion (drain.ts), as Node
 * runs the microtask queue after every macrotask callback: promise-based shell code (the
 * driver's async/await) finishes reacting to an event before the next event runs, and
 * long before the clock moves on. Microtasks may schedule more events at the current
 * time; they run next, in scheduling order.
 *
 * The loop runs inside macrotasks (setImmediate callbacks), in segments of at most
 * SEGMENT_BATCHES instants, so that I/O (progress output) gets a turn between segments.
 * Segment boundaries depend only on the batch count, and nothing outside the simulation
 * touches its state, so they do not affect the order of events: that is a function of
 * the seed alone. Nothing here reads real time.
 */
import { syncDrainer, syncDrainWorks, type DrainMode } from "./drain.js";
import { EventQueue, type SimEvent } from "./event-queue.js";

export type { SimEvent };

export interface RunLimits {
  /** Stop before the first event later than this virtual time (µs). */
  untilUs?: number;
  /** Checked after every batch; true stops the run. */
  stop?: () => boolean;
  /** Called after every batch (progress bars, samplers). */
  onBatch?: () => void;
}

export type RunOutcome = "idle" | "until" | "stopped";

const SEGMENT_BATCHES = 20_000;

export class Scheduler {
  private readonly queue = new EventQueue();
  private now = 0;
  private running = false;
  /** Events run so far. */
  eventsRun = 0;
  /** Distinct virtual times visited. */
  batches = 0;
  /** Drains that fell back to a macrotask turn (sync draining unavailable). */
  slowDrains = 0;
  /** Called when an event is scheduled while no run() is active (auto-run mode wakes on it). */
  onScheduleWhileIdle: (() => void) | undefined;

  constructor(private readonly mode: DrainMode = "sync") {}

  /** Current virtual time in microseconds (an integer). */
  get nowUs(): number {
    return this.now;
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Schedules `fn` at virtual time `atUs` (rounded up to a whole µs, never in the past). */
  at(atUs: number, fn: () => void): SimEvent {
    return this.atWith(atUs, fn, undefined, 0);
  }

  /**
   * Like `at`, but `fn` gets the event, with `arg` and `tag`: a component that schedules
   * many events (process timers) passes one function and its data instead of a closure
   * per event.
   */
  atWith(atUs: number, fn: (ev: SimEvent) => void, arg: unknown, tag: number): SimEvent {
    const t = Math.max(this.now, Math.ceil(atUs));
    const ev = this.queue.push(t, fn, arg, tag);
    if (!this.running) this.onScheduleWhileIdle?.();
    return ev;
  }

  after(delayUs: number, fn: () => void): SimEvent {
    return this.at(this.now + Math.max(0, delayUs), fn);
  }

  cancel(ev: SimEvent | undefined): void {
    if (ev) this.queue.remove(ev);
  }

  /** Time of the next pending event, if any. */
  nextAtUs(): number | undefined {
    return this.queue.peek()?.atUs;
  }

  /** Runs events until the queue is empty, `untilUs` is reached, or `stop()` says so. */
  run(limits: RunLimits = {}): Promise<RunOutcome> {
    if (this.running) return Promise.reject(new Error("scheduler: run() is already active"));
    this.running = true;
    return new Promise<RunOutcome>((resolve, reject) => {
      let pendingBatch = false;
      // Runs as a setImmediate callback: a macrotask, where a synchronous drain works. The
      // caller's own microtasks have all run before it.
      const turn = (): void => {
        try {
          let outcome: RunOutcome | undefined;
          if (pendingBatch) limits.onBatch?.(); // slow mode: the batch's drain was the turn boundary
          pendingBatch = false;
          if (this.mode === "sync" && syncDrainWorks()) {
            outcome = this.segment(limits);
          } else {
            outcome = this.stepOne(limits);
            if (outcome === undefined) {
              this.slowDrains++;
              pendingBatch = true;
            }
          }
          if (outcome === undefined) {
            setImmediate(turn);
            return;
          }
          this.running = false;
          resolve(outcome);
        } catch (err) {
          this.running = false;
          reject(err);
        }
      };
      setImmediate(turn);
    });
  }

  /** Up to SEGMENT_BATCHES instants, draining after every event; undefined: not finished. */
  private segment(limits: RunLimits): RunOutcome | undefined {
    const drain = syncDrainer();
    for (let n = 0; n < SEGMENT_BATCHES; n++) {
      const outcome = this.step(limits, drain);
      if (outcome !== undefined) return outcome;
      limits.onBatch?.();
    }
    return undefined;
  }

  /** Checks the limits against the next event; an outcome ends the run. */
  private limit(limits: RunLimits): RunOutcome | undefined {
    if (limits.stop?.()) return "stopped";
    const head = this.queue.peek();
    if (!head) return "idle";
    const until = limits.untilUs ?? Infinity;
    if (head.atUs > until) {
      this.now = Math.max(this.now, Math.floor(until));
      return "until";
    }
    return undefined;
  }

  /** Runs every event of the next instant, each followed by a drain. */
  private step(limits: RunLimits, drain: () => void): RunOutcome | undefined {
    const outcome = this.limit(limits);
    if (outcome !== undefined) return outcome;
    const t = this.queue.peek()!.atUs;
    this.now = t;
    for (let ev = this.queue.peek(); ev && ev.atUs === t; ev = this.queue.peek()) {
      this.queue.pop();
      this.eventsRun++;
      ev.fn(ev);
      drain();
    }
    this.batches++;
    return undefined;
  }

  /** Fallback mode: one event per macrotask turn (Node drains between turns). */
  private stepOne(limits: RunLimits): RunOutcome | undefined {
    const outcome = this.limit(limits);
    if (outcome !== undefined) return outcome;
    const ev = this.queue.pop()!;
    if (ev.atUs !== this.now) this.batches++;
    this.now = ev.atUs;
    this.eventsRun++;
    ev.fn(ev);
    return undefined;
  }
}
