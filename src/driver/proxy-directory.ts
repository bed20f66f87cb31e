/**
 * The live proxies as the matchmaker lists them (spec/proxy.md): one key's host list,
 * looked up at start, again on every watch notice for the key, and every `refreshMs`
 * (a matchmaker without watch, or a notice lost in an outage). Each lookup that changes
 * the list calls `onChange` with the added and removed addresses. A failed lookup
 * changes nothing (the proxies known stay). Shell: matchmaker and clock ports only.
 */
import type { Clock, TimerId } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";

export class ProxyDirectory {
  private known = new Set<string>();
  private timer: TimerId | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;
  private looking = false;
  private again = false;
  private firstLookup: Promise<void> | undefined;

  constructor(
    private readonly matchmaker: Matchmaker,
    private readonly clock: Clock,
    private readonly key: string,
    private readonly refreshMs: number,
    private readonly onChange: (added: string[], removed: string[]) => void,
  ) {}

  /** Starts following the key; resolves after the first lookup (whatever its outcome). */
  start(): Promise<void> {
    if (this.firstLookup !== undefined) return this.firstLookup;
    this.unwatch = this.matchmaker.watch?.((k) => {
      if (k === this.key) void this.lookup();
    });
    const tick = (): void => {
      if (this.closed) return;
      void this.lookup();
      this.timer = this.clock.setTimer(this.refreshMs, tick);
    };
    this.timer = this.clock.setTimer(this.refreshMs, tick);
    this.firstLookup = this.lookup();
    return this.firstLookup;
  }

  get hosts(): string[] {
    return [...this.known];
  }

  close(): void {
    this.closed = true;
    this.unwatch?.();
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
  }

  private async lookup(): Promise<void> {
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = true;
    try {
      do {
        this.again = false;
        let hosts: readonly string[];
        try {
          hosts = await this.matchmaker.getHosts(this.key);
        } catch {
          continue; // unavailable: keep what we knew
        }
        if (this.closed) return;
        const next = new Set(hosts);
        const added = hosts.filter((h) => !this.known.has(h));
        const removed = [...this.known].filter((h) => !next.has(h));
        this.known = next;
        if (added.length > 0 || removed.length > 0) this.onChange(added, removed);
      } while (this.again && !this.closed);
    } finally {
      this.looking = false;
    }
  }
}
