/**
 * Clock port of one simulated process, over virtual time. Each host may drift: its clock
 * runs at (1 + driftPpm / 1e6) times virtual speed from an offset, so timeouts and TTLs
 * measured on different hosts disagree a little, as on real machines. Timers fire through
 * the process gate: late while the process is paused, never once it has crashed.
 *
 * Timer granularity: with "node" (the default) a timer behaves like Node's setTimeout,
 * which NodeClock uses: a delay below 1 ms (or not a number) becomes 1 ms and fractions
 * are truncated (Node's lib/internal/timers.js), so a 0 ms timer never fires before the
 * microtasks of the code that armed it. "exact" fires at the requested sub-millisecond
 * time, as the Clock port's contract literally reads. The simulated application (service
 * times) uses setTimerExact: it stands for I/O that takes a while, not for a timer.
 */
export type TimerGranularity = "node" | "exact";

const TIMEOUT_MAX = 2 ** 31 - 1;

/** The delay Node's setTimeout really waits for a requested delay. */
export function nodeTimerDelayMs(delayMs: number): number {
  const d = delayMs >= 1 && delayMs <= TIMEOUT_MAX ? delayMs : 1;
  return Math.trunc(d);
}
import type { Clock, TimerId } from "../src/ports/clock.js";
import type { Scheduler, SimEvent } from "./scheduler.js";
import { TimerTable } from "./timer-table.js";
import type { Trace } from "./trace.js";

/** How a host's clock relates to virtual time. */
export interface HostTime {
  readonly offsetMs: number;
  readonly driftPpm: number;
}

export const IDEAL_TIME: HostTime = { offsetMs: 0, driftPpm: 0 };

export function localMs(t: HostTime, virtualUs: number): number {
  return t.offsetMs + (virtualUs / 1000) * (1 + t.driftPpm / 1e6);
}

/** Virtual microseconds that pass while this host's clock advances `ms`. */
export function virtualUsFor(t: HostTime, ms: number): number {
  return Math.ceil((ms * 1000) / (1 + t.driftPpm / 1e6));
}

/**
 * Wall-clock time of virtual time 0 on an ideal host (2023-11-14T22:13:20Z). A host's wall
 * clock is this base plus its local time, offset and drift included: the simulated hosts'
 * wall clocks disagree exactly as their local clocks do.
 */
export const SIM_EPOCH_BASE_MS = 1_700_000_000_000;

/** A host's wall clock (Clock.epochMs) at virtual time `virtualUs`. */
export function epochMsAt(t: HostTime, virtualUs: number): number {
  return SIM_EPOCH_BASE_MS + localMs(t, virtualUs);
}

/**
 * The most two hosts' clocks can disagree at virtual time `virtualUs` when offsets lie
 * within ±offsetMsMax and drifts within ±driftPpmMax (the fault options): twice each.
 */
export function skewBoundMs(offsetMsMax: number, driftPpmMax: number, virtualUs: number): number {
  return 2 * offsetMsMax + (2 * driftPpmMax * virtualUs) / 1e9;
}

/** Clock reads by one process within one virtual instant beyond which it must be spinning. */
export const LIVELOCK_READS = 2_000_000;

/** Thrown into driver code that reads the clock endlessly without virtual time moving. */
export class SimLivelock extends Error {}

export class ProcessClock implements Clock {
  private nextId = 1;
  private readonly timers = new TimerTable<SimEvent>();
  private readsBatch = -1;
  private reads = 0;
  /** Called once when the process spins (see LIVELOCK_READS); the run records a violation. */
  onLivelock: ((reads: number) => void) | undefined;
  /** Clock reads within one instant that count as a spin. */
  livelockReads = LIVELOCK_READS;
  /**
   * The host's offset and clock rate (1 + driftPpm / 1e6). nowMs and arm compute what
   * localMs and virtualUsFor compute, inline (they run on every clock read and timer), with
   * the same operations in the same order: any other rounding would change the trace hash.
   */
  private readonly offsetMs: number;
  private readonly rate: number;

  constructor(
    private readonly scheduler: Scheduler,
    time: HostTime,
    private readonly gate: { enterWith<A>(fn: (arg: A) => void, arg: A): void },
    private readonly trace: Trace,
    private readonly host: number,
    private readonly granularity: TimerGranularity = "node",
  ) {
    this.offsetMs = time.offsetMs;
    this.rate = 1 + time.driftPpm / 1e6;
  }

  nowMs(): number {
    if (this.readsBatch !== this.scheduler.batches) {
      this.readsBatch = this.scheduler.batches;
      this.reads = 0;
    } else if (++this.reads > this.livelockReads) {
      // Microtasks cannot be interrupted from outside; the only way out of a spin is to
      // throw into it. The driver then fails the request it was working on.
      if (this.reads === this.livelockReads + 1) this.onLivelock?.(this.reads);
      throw new SimLivelock(`livelock: more than ${this.livelockReads} clock reads at one virtual instant`);
    }
    return this.offsetMs + (this.scheduler.nowUs / 1000) * this.rate; // = localMs(time, nowUs)
  }

  /** The host's wall clock: the epoch base plus its local time (epochMsAt). Counts as a clock read. */
  epochMs(): number {
    return SIM_EPOCH_BASE_MS + this.nowMs();
  }

  setTimer(delayMs: number, fn: () => void): TimerId {
    return this.arm(this.granularity === "node" ? nodeTimerDelayMs(delayMs) : Math.max(0, delayMs), fn);
  }

  /** A timer at the exact (sub-millisecond) delay, for the simulated application's own waits. */
  setTimerExact(delayMs: number, fn: () => void): TimerId {
    return this.arm(Math.max(0, delayMs), fn);
  }

  private arm(delayMs: number, fn: () => void): TimerId {
    const id = this.nextId++;
    const us = Math.ceil((delayMs * 1000) / this.rate); // = virtualUsFor(time, delayMs)
    const ev = this.scheduler.atWith(this.scheduler.nowUs + us, this.fire, fn, id);
    this.timers.set(id, ev);
    return id;
  }

  /**
   * A timer's event: `tag` is its id, `arg` its callback (no closure per timer). The timer
   * stays armed until its callback runs: while the process is paused the callback waits in
   * the gate, and a clearTimer meanwhile (from work that runs before it on resume) cancels
   * it, as clearTimeout cancels a Node timer that is due but whose callback has not run.
   */
  private readonly fire = (ev: SimEvent): void => {
    this.trace.record("timer", this.host, ev.tag);
    this.gate.enterWith(this.run, ev.tag);
  };

  /** Runs timer `id`'s callback unless it was cleared since it fell due. */
  private readonly run = (id: number): void => {
    const ev = this.timers.delete(id);
    if (ev) (ev.arg as () => void)();
  };

  clearTimer(id: TimerId): void {
    const ev = this.timers.delete(id);
    if (ev) this.scheduler.cancel(ev);
  }

  /** Armed timers (due ones whose callback waits in a paused gate included); 0 after a clean shutdown. */
  get pending(): number {
    return this.timers.size;
  }

  /** Crash: no timer of this process fires again. */
  cancelAll(): void {
    for (const ev of this.timers.values()) this.scheduler.cancel(ev);
    this.timers.clear();
  }
}
