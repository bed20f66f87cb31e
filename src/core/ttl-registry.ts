/**
 * TTL registry: key -> host entries that expire unless refreshed. Pure: time is passed in.
 *
 * Invariants (test/property/ttl-registry.property.test.ts):
 * - an entry is visible at time t iff its latest registration r satisfies t < r + ttl
 *   (or it has no ttl), and no unregister came after that registration;
 * - an unregister is never undone by expiry or by a later prune.
 *
 * Lookups are on every send's path, so each key keeps its sorted, frozen host list until
 * the next change of its membership; an unchanged key answers with the same array, also
 * across refreshes (callers may compare by reference, never mutate).
 */
interface KeyEntry {
  /** host -> expiry time (Infinity when registered without ttl). */
  hosts: Map<string, number>;
  sorted: readonly string[] | undefined;
  /** Earliest expiry among `hosts` when `sorted` was built. */
  validUntilMs: number;
}

const EMPTY: readonly string[] = Object.freeze([]);

export class TtlRegistry {
  private readonly entries = new Map<string, KeyEntry>();

  /** Registers or refreshes; returns true when the host was not visible under the key before. */
  register(key: string, host: string, ttlMs: number | null, nowMs: number): boolean {
    let e = this.entries.get(key);
    if (!e) {
      e = { hosts: new Map(), sorted: undefined, validUntilMs: -Infinity };
      this.entries.set(key, e);
    }
    const before = e.hosts.get(host);
    const expiry = ttlMs === null ? Infinity : nowMs + ttlMs;
    e.hosts.set(host, expiry);
    const appeared = before === undefined || nowMs >= before;
    if (appeared) e.sorted = undefined;
    else if (expiry < e.validUntilMs) e.validUntilMs = expiry; // a refresh can only move expiry later, unless ttl shrank
    return appeared;
  }

  /** Removes the entry; returns true when the host was visible under the key until now. */
  unregister(key: string, host: string, nowMs: number): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    const expiry = e.hosts.get(host);
    if (expiry === undefined) return false;
    e.hosts.delete(host);
    e.sorted = undefined;
    if (e.hosts.size === 0) this.entries.delete(key);
    return nowMs < expiry;
  }

  /** Live hosts of a key, sorted and frozen. Expired entries are pruned as a side effect. */
  hosts(key: string, nowMs: number): readonly string[] {
    const e = this.entries.get(key);
    if (!e) return EMPTY;
    if (e.sorted !== undefined && nowMs < e.validUntilMs) return e.sorted;
    const out: string[] = [];
    let min = Infinity;
    let pruned = false;
    for (const [h, exp] of e.hosts) {
      if (nowMs < exp) {
        out.push(h);
        if (exp < min) min = exp;
      } else {
        e.hosts.delete(h);
        pruned = true;
      }
    }
    if (e.hosts.size === 0) {
      this.entries.delete(key);
      return EMPTY;
    }
    // Refreshes moved the earliest expiry later but nobody left: the same array stays valid.
    if (!pruned && e.sorted !== undefined) {
      e.validUntilMs = min;
      return e.sorted;
    }
    e.sorted = Object.freeze(out.sort());
    e.validUntilMs = min;
    return e.sorted;
  }

  /** Removes expired entries and returns the keys that changed. */
  prune(nowMs: number): string[] {
    const changed: string[] = [];
    for (const [key, e] of this.entries) {
      let any = false;
      for (const [h, exp] of e.hosts) {
        if (nowMs >= exp) {
          e.hosts.delete(h);
          any = true;
        }
      }
      if (any) e.sorted = undefined;
      if (e.hosts.size === 0) this.entries.delete(key);
      if (any) changed.push(key);
    }
    return changed;
  }
}
