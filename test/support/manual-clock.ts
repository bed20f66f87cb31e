/** A Clock port whose time moves only when a test advances it (unit tests of the shell). */
import type { Clock, TimerId } from "../../src/internal.js";

export class ManualClock implements Clock {
  private now = 0;
  /** Wall-clock time at manual time 0; a test may move it to stand for a skewed or stepped clock. */
  epochBaseMs = 1_700_000_000_000;
  private next = 1;
  private readonly timers = new Map<TimerId, { at: number; fn: () => void }>();

  nowMs(): number {
    return this.now;
  }

  epochMs(): number {
    return this.epochBaseMs + this.now;
  }

  setTimer(delayMs: number, fn: () => void): TimerId {
    const id = this.next++;
    this.timers.set(id, { at: this.now + Math.max(0, delayMs), fn });
    return id;
  }

  clearTimer(id: TimerId): void {
    this.timers.delete(id);
  }

  /** Moves time forward, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let due: [TimerId, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e;
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}
