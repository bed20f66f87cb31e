/**
 * Host sync: tells the socket pool when the matchmaker drops a host (shell; uses the
 * matchmaker port only). The client engine reports every host list it gets for a key
 * (`observe`); when the matchmaker can be watched, a change of a known key triggers a
 * fresh lookup of that key (one at a time per key; a change during a lookup schedules
 * one more). A host that no observed key lists any more is passed to `onRemoved`.
 *
 * Without a watch, removals are learned on the next lookup of the key; sockets nobody
 * uses close by the pool's idle timeout anyway. A failed lookup changes nothing.
 */
import type { Matchmaker } from "../ports/matchmaker.js";
import { HostSets } from "./host-sets.js";

export class HostSync {
  private readonly sets = new HostSets();
  private readonly unwatch: (() => void) | undefined;
  /** Keys being looked up -> whether another lookup is wanted after this one. */
  private readonly lookups = new Map<string, boolean>();
  private closed = false;

  constructor(
    private readonly matchmaker: Matchmaker,
    private readonly onRemoved: (host: string) => void,
  ) {
    this.unwatch = matchmaker.watch?.((key) => this.changed(key));
  }

  observe(key: string, hosts: readonly string[]): void {
    if (this.closed) return;
    for (const h of this.sets.observe(key, hosts)) this.onRemoved(h);
  }

  close(): void {
    this.closed = true;
    this.unwatch?.();
  }

  private changed(key: string): void {
    if (this.closed || !this.sets.knows(key)) return;
    if (this.lookups.has(key)) {
      this.lookups.set(key, true);
      return;
    }
    this.lookups.set(key, false);
    void this.lookup(key);
  }

  private async lookup(key: string): Promise<void> {
    for (;;) {
      try {
        const hosts = await this.matchmaker.getHosts(key);
        this.observe(key, hosts);
      } catch {
        /* matchmaker unavailable: keep what we knew */
      }
      if (this.closed || !this.lookups.get(key)) break;
      this.lookups.set(key, false);
    }
    this.lookups.delete(key);
  }
}
