/**
 * Host watcher: asks the matchmaker for the hosts of a key and, while there are none,
 * waits for them until a deadline. With a matchmaker that can be watched, a waiting sender
 * wakes the moment a server registers; in any case it asks again every hostWaitIntervalMs
 * (a watch may miss changes, e.g. across a Redis reconnect).
 * A MatchmakerUnavailable failure is reported to the caller (it becomes the cause of the
 * request's eventual timeout) and treated as "no hosts yet": never a hang, never a crash.
 */
import type { Clock, TimerId } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";

export class HostWatcher {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unwatch: (() => void) | undefined;
  private readonly timers = new Set<TimerId>();
  private closed = false;

  constructor(private readonly matchmaker: Matchmaker, private readonly clock: Clock, private readonly intervalMs: number) {
    this.unwatch = matchmaker.watch?.((key) => this.wake(key));
  }

  /**
   * Live hosts of `key` when the matchmaker has them at hand (Matchmaker.peekHosts) and
   * there is at least one; undefined means: call waitForHosts.
   */
  peek(key: string): readonly string[] | undefined {
    const hosts = this.matchmaker.peekHosts?.(key);
    return hosts !== undefined && hosts.length > 0 ? hosts : undefined;
  }

  /** Live hosts of `key`, waiting for at least one until `deadlineMs`; [] when none came. */
  async waitForHosts(key: string, deadlineMs: number, cancelled: () => boolean, onCause: (e: unknown) => void): Promise<string[]> {
    for (;;) {
      let hosts: string[] = [];
      try {
        hosts = await this.matchmaker.getHosts(key);
      } catch (err) {
        onCause(err);
      }
      if (hosts.length > 0) return hosts;
      const now = this.clock.nowMs();
      if (this.closed || cancelled() || now >= deadlineMs) return [];
      const waitMs = Math.min(this.intervalMs, deadlineMs - now);
      await this.sleep(key, waitMs);
    }
  }

  close(): void {
    this.closed = true;
    this.unwatch?.();
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.clear();
    for (const set of this.waiters.values()) for (const w of set) w();
    this.waiters.clear();
  }

  private sleep(key: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const done = (): void => {
        this.clock.clearTimer(timer);
        this.timers.delete(timer);
        set!.delete(done);
        if (set!.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
        resolve();
      };
      const timer = this.clock.setTimer(ms, done);
      this.timers.add(timer);
      set.add(done);
    });
  }

  private wake(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const w of [...set]) w();
  }
}
