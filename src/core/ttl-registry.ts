/**
 * TTL registry: key -> host entries that expire unless refreshed. Pure: time is passed in.
 *
 * Invariants (test/property/ttl-registry.property.test.ts):
 * - an entry is visible at time t iff its latest registration r satisfies t < r + ttl
 *   (or it has no ttl), and no unregister came after that registration;
 * - an unregister is never undone by expiry or by a later prune.
 */
export class TtlRegistry {
  /** key -> host -> expiry time (Infinity when registered without ttl). */
  private readonly entries = new Map<string, Map<string, number>>();

  /** Registers or refreshes; returns true when the host was not visible under the key before. */
  register(key: string, host: string, ttlMs: number | null, nowMs: number): boolean {
    let hosts = this.entries.get(key);
    if (!hosts) this.entries.set(key, (hosts = new Map()));
    const before = hosts.get(host);
    hosts.set(host, ttlMs === null ? Infinity : nowMs + ttlMs);
    return before === undefined || nowMs >= before;
  }

  unregister(key: string, host: string): boolean {
    const hosts = this.entries.get(key);
    if (!hosts) return false;
    const had = hosts.delete(host);
    if (hosts.size === 0) this.entries.delete(key);
    return had;
  }

  /** Live hosts of a key, sorted. Expired entries are pruned as a side effect. */
  hosts(key: string, nowMs: number): string[] {
    const hosts = this.entries.get(key);
    if (!hosts) return [];
    const out: string[] = [];
    for (const [h, exp] of hosts) {
      if (nowMs < exp) out.push(h);
      else hosts.delete(h);
    }
    if (hosts.size === 0) this.entries.delete(key);
    return out.sort();
  }

  /** Earliest expiry among all entries, for a shell that wants to announce expiries. */
  nextExpiryMs(): number | undefined {
    let min = Infinity;
    for (const hosts of this.entries.values()) for (const exp of hosts.values()) if (exp < min) min = exp;
    return min === Infinity ? undefined : min;
  }

  /** Removes expired entries and returns the keys that changed. */
  prune(nowMs: number): string[] {
    const changed: string[] = [];
    for (const [key, hosts] of this.entries) {
      let any = false;
      for (const [h, exp] of hosts) if (nowMs >= exp) { hosts.delete(h); any = true; }
      if (hosts.size === 0) this.entries.delete(key);
      if (any) changed.push(key);
    }
    return changed;
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }
}
