/**
 * Clock port. The core never reads time itself: the shell reads `nowMs()` and passes it in,
 * and arms timers for the wake-ups the core asks for. Real shell: Node timers
 * (runtime/node/node-clock.ts). Simulated shell: a virtual clock over an event queue (sim/).
 */
export type TimerId = number;

export interface Clock {
  /** Milliseconds on a monotonic time line (absolute origin unspecified). */
  nowMs(): number;
  /**
   * Wall-clock time, milliseconds since the Unix epoch. It may jump (NTP steps, an
   * operator) and differs between hosts by their clock skew, so the driver uses it only for
   * deadlines carried to other hosts (spec/ports.md); every local wait uses nowMs().
   */
  epochMs(): number;
  /** Runs `fn` once, `delayMs` from now (clamped at 0). */
  setTimer(delayMs: number, fn: () => void): TimerId;
  /** Cancels a timer; unknown or fired ids are ignored. */
  clearTimer(id: TimerId): void;
}

/** Resolves `ms` from now on `clock`; at once when `ms` <= 0. */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => clock.setTimer(ms, resolve));
}
