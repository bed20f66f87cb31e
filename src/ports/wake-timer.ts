/**
 * Wake timer: one Clock timer for a component that only needs waking at its next due
 * time. `armAt` keeps a timer already armed at or before the time asked for: the
 * component's due times mostly move later (a reply settles the earliest request, a
 * release pushes an idle expiry on), and re-arming for each would cost a clearTimer and a
 * setTimer per request. A kept timer that fires early finds nothing due, and its owner
 * asks for its next time from the callback.
 */
import type { Clock, TimerId } from "./clock.js";

export class WakeTimer {
  /** The armed timer and when it fires; undefined when none is armed. */
  private id: TimerId | undefined;
  private armedAtMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onFire: () => void,
  ) {}

  /** Whether a timer is armed to fire at or before `atMs`. */
  covers(atMs: number): boolean {
    return this.id !== undefined && this.armedAtMs <= atMs;
  }

  /**
   * Arms the timer for `atMs` unless one is armed at or before it; a later one is replaced.
   * `nowMs`: the caller's reading of the clock, when it has one.
   */
  armAt(atMs: number, nowMs?: number): void {
    if (this.covers(atMs)) return;
    if (this.id !== undefined) this.clock.clearTimer(this.id);
    this.armedAtMs = atMs;
    this.id = this.clock.setTimer(atMs - (nowMs ?? this.clock.nowMs()), this.fire);
  }

  /** Disarms the timer, if armed. */
  clear(): void {
    if (this.id === undefined) return;
    this.clock.clearTimer(this.id);
    this.id = undefined;
  }

  /** The timer fired: it is disarmed before the owner's callback runs (which may arm it again). */
  private readonly fire = (): void => {
    this.id = undefined;
    this.onFire();
  };
}
