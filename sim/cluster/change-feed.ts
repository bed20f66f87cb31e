/**
 * The cluster matchmaker's change feed: one subscription to the shared in-process
 * matchmaker, fanned out to every process's view, and only for real changes. The
 * in-process matchmaker notifies on every register, refreshes included; the Redis
 * matchmaker publishes only when a host becomes visible or goes away (scripts.ts: "a plain
 * refresh publishes nothing"). With 500 servers refreshing two keys every second and 500
 * processes watching, forwarding refreshes would cost half a million callbacks per
 * simulated second, so the feed compares each key's host set with the last one it
 * announced and stays quiet when nothing changed. Expiries are announced the next time
 * the key is touched, as the in-process matchmaker does (it has no expiry events).
 */
import type { InProcessMatchmaker } from "../../src/matchmaker/in-process.js";

export class ChangeFeed {
  private readonly last = new Map<string, readonly string[]>();
  private readonly listeners = new Set<(key: string) => void>();
  private readonly off: () => void;

  constructor(private readonly shared: InProcessMatchmaker) {
    this.off = shared.watch((key) => this.changed(key));
  }

  subscribe(listener: (key: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }

  private changed(key: string): void {
    const now = this.shared.hostsNow(key);
    const last = this.last.get(key);
    if (last !== undefined && sameHosts(last, now)) return;
    this.last.set(key, Object.isFrozen(now) ? now : [...now]);
    for (const l of [...this.listeners]) l(key);
  }
}

/** Same host list (the matchmaker answers sorted, often with the very same frozen array). */
function sameHosts(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
