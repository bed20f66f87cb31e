/**
 * Host sets per matchmaker key, as last seen by this process: pure bookkeeping that tells
 * the pool when a host has left every key it was listed under, so its socket can close.
 *
 * A host often serves several keys (a server registers under its topic key and its
 * topic.server key); it counts as removed only when no observed key lists it any more.
 * Keys never observed are not known, so a removal is reported only from evidence: a
 * fresh host list for a key that no longer contains the host.
 */
const NONE: readonly string[] = Object.freeze([]);

export class HostSets {
  private readonly byKey = new Map<string, ReadonlySet<string>>();
  /** host -> number of observed keys listing it. */
  private readonly refs = new Map<string, number>();
  /** The host array last observed per key, to skip unchanged (identical) lists. */
  private readonly lastSeen = new Map<string, readonly string[]>();

  /** Records the current hosts of `key`; returns the hosts no longer listed under any key. */
  observe(key: string, hosts: readonly string[]): readonly string[] {
    // Hot path: every request reports its key's hosts, almost always the same list as last
    // time (the in-process matchmaker even answers with the same array). Nothing to do then.
    if (sameList(this.lastSeen.get(key), hosts)) return NONE;
    this.lastSeen.set(key, hosts);
    const next = new Set(hosts);
    const prev = this.byKey.get(key) ?? new Set<string>();
    const removed: string[] = [];
    for (const h of next) if (!prev.has(h)) this.refs.set(h, (this.refs.get(h) ?? 0) + 1);
    for (const h of prev) {
      if (next.has(h)) continue;
      const n = (this.refs.get(h) ?? 1) - 1;
      if (n > 0) this.refs.set(h, n);
      else {
        this.refs.delete(h);
        removed.push(h);
      }
    }
    if (next.size > 0) this.byKey.set(key, next);
    else this.byKey.delete(key);
    return removed;
  }

  /** Whether `key` has been observed with at least one host. */
  knows(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Hosts listed under at least one observed key. */
  hosts(): string[] {
    return [...this.refs.keys()];
  }
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (a === b) return true;
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
