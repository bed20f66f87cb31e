/**
 * Requests waiting for the hosts of a key, grouped by key: at most one matchmaker lookup
 * per key is in flight, and its answer serves every waiter of the key. A request joining
 * a key with no lookup in flight starts one at once. While a key has waiters and no hosts,
 * it is polled every `intervalMs`: an empty answer sets the next poll an interval later
 * unless one is due already, so lookups started by new waiters do not postpone it. A
 * watch notification of the key looks it up at once (or right after the lookup in flight). Pure bookkeeping for the delivery core (delivery-core.ts), which emits the
 * lookups and keeps the poll times in its wake-up queue.
 *
 * During a matchmaker outage every new request waits: one lookup per request per interval
 * was a thundering herd on Redis; grouped, a key costs one lookup per interval however
 * many requests wait for it.
 */

/** The waiters of one key and the state of its lookup. */
export class KeyWait<W> {
  readonly waiters = new Set<W>();
  /** A lookup is in flight. */
  looking = false;
  /** Something asked for another lookup while one was in flight (a watch notification). */
  again = false;
  /** When the key is looked up again (after an empty answer); Infinity when no poll is due. */
  pollAtMs = Infinity;

  constructor(readonly key: string) {}
}

export class HostWaits<W> {
  private readonly keys = new Map<string, KeyWait<W>>();

  constructor(private readonly intervalMs: number) {}

  /** `w` waits for the hosts of `key`. True when a lookup must start now (none is in flight). */
  join(key: string, w: W): boolean {
    let g = this.keys.get(key);
    if (g === undefined) {
      g = new KeyWait(key);
      this.keys.set(key, g);
    }
    g.waiters.add(w);
    if (g.looking) return false;
    g.looking = true; // a poll already due stays due: a stream of joiners must not keep postponing it
    return true;
  }

  /** `w` stops waiting (it settled). A key left without waiters is forgotten, once its lookup in flight (if any) answers. */
  leave(key: string, w: W): void {
    const g = this.keys.get(key);
    if (g === undefined) return;
    g.waiters.delete(w);
    if (g.waiters.size > 0) return;
    if (g.looking)
      g.pollAtMs = Infinity; // kept until its lookup answers, with no poll due
    else this.keys.delete(key);
  }

  /** The waiters of `key` (none when nobody waits). */
  waitersOf(key: string): Iterable<W> {
    return this.keys.get(key)?.waiters ?? [];
  }

  /** A lookup of `key` found hosts: every waiter stops waiting; returns them (undefined when none waited). */
  found(key: string): Set<W> | undefined {
    const g = this.keys.get(key);
    if (g === undefined) return undefined;
    this.keys.delete(key);
    return g.waiters;
  }

  /**
   * A lookup of `key` answered no host (or failed): "lookup" when another must start now
   * (one was asked for meanwhile); the KeyWait when its next poll was just set (`pollAtMs`,
   * an interval from now) and must be armed; undefined when nobody waits any more or a
   * poll is due already (set by an earlier empty answer, and not postponed by this one).
   */
  empty(key: string, nowMs: number): "lookup" | KeyWait<W> | undefined {
    const g = this.keys.get(key);
    if (g === undefined) return undefined;
    g.looking = false;
    if (g.waiters.size === 0) {
      this.keys.delete(key);
      return undefined;
    }
    if (g.again) {
      g.again = false;
      g.looking = true;
      return "lookup";
    }
    if (nowMs < g.pollAtMs && g.pollAtMs < Infinity) return undefined; // the next poll is set already
    g.pollAtMs = nowMs + this.intervalMs;
    return g;
  }

  /** The matchmaker says `key` changed. True when a lookup must start now. */
  changed(key: string): boolean {
    const g = this.keys.get(key);
    if (g === undefined) return false;
    if (g.looking) {
      g.again = true;
      return false;
    }
    g.looking = true;
    return true;
  }

  /** Whether `g`'s poll at `atMs` is still wanted (the key still waits and no poll was set since). */
  pollWanted(g: KeyWait<W>, atMs: number): boolean {
    return this.keys.get(g.key) === g && g.pollAtMs === atMs;
  }

  /**
   * `g`'s poll is due. True when its lookup must start now; false when a lookup is in
   * flight already (its answer sets the next poll).
   */
  startPoll(g: KeyWait<W>): boolean {
    g.pollAtMs = Infinity;
    if (g.looking) return false;
    g.looking = true;
    return true;
  }

  /** Whether requests wait for `key`'s hosts (or its lookup is in flight). */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** The keys `has` answers for, as a live read-only view (the same map for the lifetime of the object). */
  get view(): ReadonlyMap<string, unknown> {
    return this.keys;
  }

  /** Keys with waiters or a lookup in flight. */
  get size(): number {
    return this.keys.size;
  }

  clear(): void {
    this.keys.clear();
  }
}
