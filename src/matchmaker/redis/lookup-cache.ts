/**
 * Client-side cache of matchmaker lookups. Pure: the shell passes local time in and acts
 * on the answers; nothing here reads a clock or talks to Redis.
 *
 * Per key it keeps the hosts of the latest lookup, each with its expiry translated into
 * local time (fetch start + the remaining TTL Redis reported, so never later than Redis's
 * own expiry), and a freshness deadline. The rules (test/property/redis-lookup-cache.property.test.ts):
 *
 * - While Redis is reachable, only hosts whose expiry is still ahead are returned: a
 *   crashed server drops out at its TTL even if nobody asks Redis again.
 * - An answer is fresh until `freshForMs` after its fetch started, or the first expiry
 *   among its hosts, whichever comes first. Fresh answers are served without Redis. A
 *   stale answer whose hosts are all still live is served too, and the shell refreshes it
 *   in the background (its hosts cannot have left: that would have been a "-" change).
 *   A stale answer with an expired host is a miss: the host may have been refreshed, so
 *   the shell must ask Redis and wait.
 * - A "+" change (a host appeared, or its expiry moved earlier) makes the next lookup of
 *   that key a miss, so a new server is seen by the very next lookup.
 * - A "-" change removes that host from the entry at once: a gracefully stopped server is
 *   never returned again from the cache.
 * - A fetch that was in flight while a change for its key arrived is outdated: store()
 *   refuses it, so an answer read before an unregister cannot put the host back.
 * - A host the socket layer reported down (markDown) is left out at once, until Redis
 *   shows a registration of it newer than the report; a crashed server thus stops being
 *   chosen when its connection drops, not only when its TTL runs out.
 * - While Redis is unreachable, the last hosts seen (minus "-" changes) are returned
 *   whatever their expiry: no server can refresh during an outage, so expiries then say
 *   nothing about liveness. The shell still tries Redis in the background (the answer
 *   asks for a refresh), which is how it notices that Redis answers again.
 */
import type { Change } from "./key-scheme.js";
import type { LookupReply } from "./scripts.js";

export type CacheAnswer = { kind: "hit"; hosts: string[]; refresh: boolean } | { kind: "miss" };

export interface FetchToken {
  readonly key: string;
  readonly generation: number;
  readonly startedAtMs: number;
}

interface Entry {
  /** host -> expiry in local ms (Infinity: registered without TTL). */
  hosts: Map<string, number>;
  /** False until a fetch has been stored (the entry may exist only to count generations). */
  known: boolean;
  freshUntilMs: number;
  /** Set by a "+" change: the cached hosts lack one, so the next lookup must ask Redis. */
  mustFetch: boolean;
  /** Bumped by every change and invalidation; a fetch token from an older one is outdated. */
  generation: number;
  /**
   * Hosts reported down (markDown) -> the Redis score they had just after the report, or
   * null until a fetch has told. Left out of every answer until a fetch shows a higher
   * score (the server refreshed after the report: it is alive) or the host is gone.
   */
  down: Map<string, number | null>;
}

export class LookupCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * @param staleWhileRevalidate serve a stale answer whose hosts are all live while a
   *   refresh runs; only sound with a change channel (a host that left would have sent
   *   "-"), so the oslo key scheme turns it off.
   */
  constructor(
    private readonly freshForMs: number,
    private readonly staleWhileRevalidate = true,
  ) {}

  /** What a lookup of `key` at `nowMs` gets from the cache. */
  answer(key: string, nowMs: number, reachable: boolean): CacheAnswer {
    const e = this.entries.get(key);
    if (!e?.known) return { kind: "miss" };
    if (!reachable) {
      const all = candidates(e).sort();
      return all.length > 0 ? { kind: "hit", hosts: all, refresh: true } : { kind: "miss" };
    }
    if (e.mustFetch) return { kind: "miss" };
    const live = liveHosts(e, nowMs);
    if (nowMs < e.freshUntilMs) return { kind: "hit", hosts: live, refresh: false };
    return this.staleWhileRevalidate && live.length > 0 && live.length === e.hosts.size - e.down.size
      ? { kind: "hit", hosts: live, refresh: true }
      : { kind: "miss" };
  }

  /** Call before asking Redis; pass the token to store(). */
  beginFetch(key: string, nowMs: number): FetchToken {
    let e = this.entries.get(key);
    if (!e) {
      e = { hosts: new Map(), known: false, freshUntilMs: -Infinity, mustFetch: false, generation: 0, down: new Map() };
      this.entries.set(key, e);
    }
    return { key, generation: e.generation, startedAtMs: nowMs };
  }

  /**
   * Stores a lookup reply. Returns false, storing nothing, when a change for the key
   * arrived since beginFetch (the reply may predate it; ask again).
   */
  store(token: FetchToken, reply: LookupReply): boolean {
    const e = this.entries.get(token.key);
    if (!e || e.generation !== token.generation) return false;
    e.hosts = localExpiries(token, reply);
    const scores = new Map(reply.members.map((m) => [m.member, m.expiresAtMs]));
    for (const [h, threshold] of e.down) {
      const score = scores.get(h);
      if (score === undefined || (threshold !== null && score > threshold)) e.down.delete(h);
      else if (threshold === null) e.down.set(h, score);
    }
    let firstExpiry = Infinity;
    for (const exp of e.hosts.values()) if (exp < firstExpiry) firstExpiry = exp;
    e.known = true;
    e.mustFetch = false;
    e.freshUntilMs = Math.min(token.startedAtMs + this.freshForMs, firstExpiry);
    return true;
  }

  /** Hosts to use when Redis could not be asked: the last seen ones, or undefined if none. */
  fallback(key: string): string[] | undefined {
    const e = this.entries.get(key);
    if (!e?.known) return undefined;
    const all = candidates(e);
    return all.length > 0 ? all.sort() : undefined;
  }

  /**
   * The socket layer saw the connection to `host` drop: leave it out of every answer at
   * once, until a fetch shows it registered again after this report (a refresh), or it
   * is gone. Hosts registered without TTL are not affected (no refresh can clear them).
   * Returns the keys whose answers changed; the shell fetches them, and the change of
   * generation makes a fetch already in flight (which may predate the report) ask again.
   */
  markDown(host: string): string[] {
    const keys: string[] = [];
    for (const [key, e] of this.entries) {
      const exp = e.hosts.get(host);
      if (exp === undefined || exp === Infinity || e.down.has(host)) continue;
      e.down.set(host, null);
      e.generation++;
      keys.push(key);
    }
    return keys;
  }

  /** Applies a change message: "+" forces the next lookup to Redis; "-" drops the host at once. */
  apply(change: Change): void {
    const e = this.entries.get(change.key);
    if (!e) return;
    e.generation++;
    e.freshUntilMs = -Infinity;
    if (change.op === "+") e.mustFetch = true;
    else {
      e.hosts.delete(change.host);
      e.down.delete(change.host);
    }
  }

  /** Ends the freshness of every entry (change messages may have been missed). */
  invalidateAll(): void {
    for (const e of this.entries.values()) {
      e.generation++;
      e.freshUntilMs = -Infinity;
    }
  }

  /** Keys with an entry (looked up at least once). */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A reply's hosts with their expiries in local time: fetch start + the TTL left in Redis. */
function localExpiries(token: FetchToken, reply: LookupReply): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of reply.members)
    out.set(m.member, m.expiresAtMs === Infinity ? Infinity : token.startedAtMs + (m.expiresAtMs - reply.nowMs));
  return out;
}

/** The hosts of a reply still live at `nowMs` (a reply may be read a while after it was fetched). */
export function liveInReply(token: FetchToken, reply: LookupReply, nowMs: number): string[] {
  const out: string[] = [];
  for (const [h, exp] of localExpiries(token, reply)) if (nowMs < exp) out.push(h);
  return out.sort();
}

function liveHosts(e: Entry, nowMs: number): string[] {
  const out: string[] = [];
  for (const [h, exp] of e.hosts) if (nowMs < exp && !e.down.has(h)) out.push(h);
  return out.sort();
}

/** Hosts not reported down, whatever their expiry. */
function candidates(e: Entry): string[] {
  return [...e.hosts.keys()].filter((h) => !e.down.has(h));
}
