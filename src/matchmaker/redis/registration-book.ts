/**
 * What this process wants Redis to hold: its servers' registrations, and the
 * unregistrations Redis may not have seen yet. Pure bookkeeping; the shell writes to Redis
 * and reports each outcome here. When Redis comes back after an outage (possibly restarted
 * empty), the shell replays the book at once instead of waiting for the next refresh.
 *
 * Rules (test/property/redis-registration-book.property.test.ts):
 * - replay() registers exactly the (key, host) pairs whose latest operation is a register
 *   that Redis accepted at least once; a registration Redis never accepted (the server
 *   failed to start during an outage) is forgotten when it fails.
 * - An unregister removes the pair from the book at once, whatever registers are still in
 *   flight: a later success of an older register cannot bring it back (no resurrection).
 * - An unregister Redis did not acknowledge is replayed until it is; a new register of the
 *   same pair cancels it.
 */

export interface BookEntry {
  key: string;
  host: string;
  ttlMs: number | null;
}

interface Intent extends BookEntry {
  /** Token of the latest register. */
  token: number;
  /** Token of the register that started this intent (the first one after an unregister). */
  since: number;
  confirmed: boolean;
}

export interface Replay {
  register: BookEntry[];
  unregister: { key: string; host: string }[];
}

const id = (key: string, host: string): string => `${key}\u0000${host}`;

export class RegistrationBook {
  private readonly intents = new Map<string, Intent>();
  private readonly removals = new Map<string, { key: string; host: string; token: number }>();
  private nextToken = 1;

  /** Records a register about to be sent; returns the token to report its outcome with. */
  begin(key: string, host: string, ttlMs: number | null): number {
    const token = this.nextToken++;
    const k = id(key, host);
    const prev = this.intents.get(k);
    this.intents.set(k, { key, host, ttlMs, token, since: prev?.since ?? token, confirmed: prev?.confirmed ?? false });
    this.removals.delete(k);
    return token;
  }

  /**
   * Redis accepted a register. It confirms the pair only if it belongs to the current
   * intent: a register sent before an unregister never confirms, nor re-creates, the pair.
   */
  succeeded(key: string, host: string, token: number): void {
    const e = this.intents.get(id(key, host));
    if (e && token >= e.since) e.confirmed = true;
  }

  /** A register failed. A pair Redis never accepted is forgotten (only if this was its latest register). */
  failed(key: string, host: string, token: number): void {
    const k = id(key, host);
    const e = this.intents.get(k);
    if (e && !e.confirmed && e.token === token) this.intents.delete(k);
  }

  /** Records an unregister about to be sent; returns its token. */
  remove(key: string, host: string): number {
    const token = this.nextToken++;
    const k = id(key, host);
    this.intents.delete(k);
    this.removals.set(k, { key, host, token });
    return token;
  }

  /** Redis acknowledged an unregister (only the latest one for the pair counts). */
  removed(key: string, host: string, token: number): void {
    const k = id(key, host);
    if (this.removals.get(k)?.token === token) this.removals.delete(k);
  }

  /** Writes to send after a reconnect. */
  replay(): Replay {
    return {
      register: [...this.intents.values()]
        .filter((e) => e.confirmed)
        .map(({ key, host, ttlMs }) => ({ key, host, ttlMs })),
      unregister: [...this.removals.values()].map(({ key, host }) => ({ key, host })),
    };
  }
}
