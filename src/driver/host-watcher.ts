/**
 * Host watcher: asks the matchmaker for the hosts of a key and, while there are none,
 * waits for them until a deadline. With a matchmaker that can be watched, a waiting sender
 * wakes the moment a server registers; in any case the key is asked again every
 * hostWaitIntervalMs (a watch may miss changes, e.g. across a Redis reconnect).
 * A MatchmakerUnavailable failure is reported to the caller (it becomes the cause of the
 * request's eventual timeout) and treated as "no hosts yet": never a hang, never a crash.
 *
 * Senders waiting for the same key wait together: one timer and one lookup per key and
 * interval, however many requests wait. During a matchmaker outage every new request
 * waits, and a lookup and a timer per request would be a thundering herd on Redis. Each
 * waiter still ends at its own deadline.
 */
import type { Clock } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import { WakeTimer } from "../ports/wake-timer.js";

interface Waiter {
  readonly deadlineMs: number;
  readonly cancelled: () => boolean;
  readonly onCause: (e: unknown) => void;
  readonly resolve: (hosts: readonly string[]) => void;
}

/** The senders waiting for one key, and its one timer and lookup. */
interface KeyWait {
  readonly waiters: Set<Waiter>;
  readonly timer: WakeTimer;
  /** A lookup is in flight; `again`: something asked for another one meanwhile. */
  looking: boolean;
  again: boolean;
}

const NONE: readonly string[] = Object.freeze([]);

export class HostWatcher {
  private readonly keys = new Map<string, KeyWait>();
  private readonly unwatch: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly matchmaker: Matchmaker,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {
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
  async waitForHosts(
    key: string,
    deadlineMs: number,
    cancelled: () => boolean,
    onCause: (e: unknown) => void,
  ): Promise<readonly string[]> {
    let hosts: readonly string[] = NONE;
    try {
      hosts = await this.matchmaker.getHosts(key);
    } catch (err) {
      onCause(err);
    }
    if (hosts.length > 0) return hosts;
    if (this.closed || cancelled() || this.clock.nowMs() >= deadlineMs) return NONE;
    return new Promise<readonly string[]>((resolve) => this.join(key, { deadlineMs, cancelled, onCause, resolve }));
  }

  close(): void {
    this.closed = true;
    this.unwatch?.();
    for (const g of this.keys.values()) {
      g.timer.clear();
      for (const w of g.waiters) w.resolve(NONE);
    }
    this.keys.clear();
  }

  private join(key: string, w: Waiter): void {
    const g = this.keys.get(key) ?? this.startWait(key);
    g.waiters.add(w);
    this.arm(g, w.deadlineMs); // the waiters already there are covered by the armed timer
  }

  private startWait(key: string): KeyWait {
    const g: KeyWait = {
      waiters: new Set(),
      timer: new WakeTimer(this.clock, () => void this.poll(key, g)),
      looking: false,
      again: false,
    };
    this.keys.set(key, g);
    return g;
  }

  /**
   * The key's one timer: at the next poll (now + interval) or `earliestDeadlineMs` (of the
   * waiters not yet covered), whichever comes first; a timer already armed earlier is kept.
   */
  private arm(g: KeyWait, earliestDeadlineMs: number): void {
    if (g.looking) return; // the lookup's end arms it
    const now = this.clock.nowMs();
    g.timer.armAt(Math.min(now + this.intervalMs, earliestDeadlineMs), now);
  }

  /** One lookup for every waiter of the key: hosts end every wait; otherwise waiters past their deadline (or cancelled) end with []. */
  private async poll(key: string, g: KeyWait): Promise<void> {
    if (g.looking) {
      g.again = true;
      return;
    }
    g.looking = true;
    let hosts: readonly string[] = NONE;
    let failure: { cause: unknown } | undefined;
    try {
      hosts = await this.matchmaker.getHosts(key);
    } catch (err) {
      failure = { cause: err };
    }
    g.looking = false;
    if (this.keys.get(key) !== g) return; // closed meanwhile
    const now = this.clock.nowMs();
    let earliestMs = Infinity;
    for (const w of g.waiters) {
      if (failure) w.onCause(failure.cause);
      if (hosts.length > 0 || this.closed || w.cancelled() || now >= w.deadlineMs) {
        g.waiters.delete(w);
        w.resolve(hosts.length > 0 ? hosts : NONE);
      } else if (w.deadlineMs < earliestMs) earliestMs = w.deadlineMs;
    }
    if (g.waiters.size === 0) {
      g.timer.clear();
      this.keys.delete(key);
      return;
    }
    if (g.again) {
      g.again = false;
      void this.poll(key, g);
      return;
    }
    this.arm(g, earliestMs);
  }

  /** The matchmaker says `key` changed: its waiters ask now. */
  private wake(key: string): void {
    const g = this.keys.get(key);
    if (g === undefined) return;
    g.timer.clear();
    void this.poll(key, g);
  }
}
