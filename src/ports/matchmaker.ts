/**
 * Matchmaker port: the name service mapping target keys (core/target.ts) to the addresses
 * of the servers listening on them.
 *
 * Contract (test/contract/matchmaker.contract.ts runs it against every implementation):
 * - register(key, host, ttlMs) is idempotent: a host appears at most once per key.
 * - With ttlMs set, the entry disappears ttlMs after its latest registration unless it is
 *   registered again (refreshed); with ttlMs null it stays until unregistered.
 * - unregister removes the entry at once; it is a no-op for unknown entries.
 * - getHosts(key) returns the live hosts, sorted, without duplicates; [] for unknown keys.
 *   The array may be shared (an implementation can answer an unchanged key with the same
 *   frozen array): callers never mutate it.
 * - Failures reject with MatchmakerUnavailable.
 */
export interface Matchmaker {
  register(key: string, host: string, ttlMs: number | null): Promise<void>;
  unregister(key: string, host: string): Promise<void>;
  getHosts(key: string): Promise<string[]>;
  /**
   * Optional synchronous lookup, for the send path: the hosts getHosts would answer now,
   * when the implementation has them at hand without I/O (an in-process registry, a fresh
   * cache entry); undefined means "ask getHosts". Same contract as getHosts otherwise.
   */
  peekHosts?(key: string): readonly string[] | undefined;
  /** Optional change feed: calls `listener(key)` after a key's host set may have changed. */
  watch?(listener: (key: string) => void): () => void;
  /** Optional: a sender's connection to `host` dropped; the matchmaker may stop returning it sooner than its TTL. */
  hostDown?(host: string): void;
  /**
   * Optional (spec/observability.md): calls `listener(false, error)` when the matchmaker
   * becomes unreachable and `listener(true, "")` when it is reachable again; returns an
   * unsubscribe function. `describe` names it in events (no secret in it).
   */
  onAvailability?(listener: (up: boolean, detail: string) => void): () => void;
  /** Optional: what to call this matchmaker in status events and log lines, secrets left out. */
  readonly describe?: string;
  /** Optional: reachable now (true/false); absent when the matchmaker cannot tell. */
  available?(): boolean;
  /** Optional: stores a server's published stats under `name` for `ttlMs` (spec/observability.md). */
  publishStats?(name: string, json: string, ttlMs: number): Promise<void>;
  /** Optional: removes the published stats under `name`. */
  removeStats?(name: string): Promise<void>;
  close(): Promise<void>;
}
