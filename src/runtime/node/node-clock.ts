/** Clock port over Node's monotonic clock, its wall clock and timers (the real shell). */
import { performance } from "node:perf_hooks";
import type { Clock, TimerId } from "../../ports/clock.js";

export class NodeClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<TimerId, NodeJS.Timeout>();

  nowMs(): number {
    return performance.now();
  }

  epochMs(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerId {
    const id = this.nextId++;
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        fn();
      },
      Math.max(0, delayMs),
    );
    this.timers.set(id, t);
    return id;
  }

  clearTimer(id: TimerId): void {
    const t = this.timers.get(id);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(id);
    }
  }

  /** Number of armed timers; tests assert it returns to 0 (no leaked timers). */
  get pending(): number {
    return this.timers.size;
  }
}
