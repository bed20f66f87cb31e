/**
 * Redis matchmaker (zmq+redis://, zmq+sentinel://): the shell around the pure pieces
 * (key-scheme.ts, scripts.ts, lookup-cache.ts, registration-book.ts) and two ioredis
 * connections (connection.ts). spec/matchmaker-redis.md has the key scheme, the
 * sequence diagram and the outage behaviour; in short:
 *
 * - register/unregister run one Lua script each; a host that becomes visible or leaves is
 *   published on the change channel, which every matchmaker subscribes to. Its own writes
 *   are applied to its own cache at once.
 * - getHosts answers from the cache when it can (no Redis round trip per call), asks Redis
 *   otherwise (one request per key at a time), and falls back to the last hosts seen when
 *   Redis cannot be reached. With nothing cached it rejects with MatchmakerUnavailable at
 *   once: the client engine keeps asking until the call's deadline, then fails the call
 *   with that cause. Nothing waits for Redis longer than commandTimeoutMs.
 * - When the command connection becomes ready again, the registration book is replayed
 *   (servers re-register at once, also into a Redis that restarted empty) and the cache
 *   is invalidated; whenever Redis confirms the change channel's SUBSCRIBE (after a
 *   reconnect, or the first one of a matchmaker created while Redis was down: change
 *   messages may have been lost) the cache is invalidated and watchers are woken.
 * - Every promise it creates is either returned or has a catch: no unhandled rejections.
 */
import type { EventEmitter } from "node:events";
import { INSPECT } from "../../core/redact.js";
import type { MatchmakerUnavailable } from "../../errors.js";
import type { Clock, TimerId } from "../../ports/clock.js";
import type { Matchmaker } from "../../ports/matchmaker.js";
import { CommandRunner } from "./command-runner.js";
import type { ErrorMeaning } from "./connect-errors.js";
import type { MembershipArgs, RedisConnections } from "./connection.js";
import { decodeChange, keyScheme, type Change, type KeyScheme } from "./key-scheme.js";
import { liveInReply, LookupCache } from "./lookup-cache.js";
import type { ResolvedRedisMatchmakerOptions } from "./options.js";
import { installOsloCommands } from "./oslo-key-scheme.js";
import { OsloStore, type SchemeMode } from "./oslo-store.js";
import { RegistrationBook } from "./registration-book.js";
import { StatsStore, type PublishedStatsEntry } from "./stats-store.js";
import { parseLookupReply, type LookupReply } from "./scripts.js";

export interface RedisMatchmakerStats {
  /** getHosts calls. */
  lookups: number;
  /** getHosts calls answered from the cache without waiting for Redis. */
  cacheHits: number;
  /** LOOKUP scripts sent to Redis (foreground and background). */
  redisLookups: number;
  /** getHosts calls answered with the last hosts seen because Redis failed. */
  fallbacks: number;
  /** Change messages received and applied. */
  changes: number;
  /** Times the registration book was replayed after a reconnect. */
  replays: number;
  /** Redis operations that failed (each became a MatchmakerUnavailable). */
  failures: number;
  /** hostDown reports received from the socket layer. */
  hostsDown: number;
}

export interface KeyListing {
  key: string;
  /** Hosts with the time left until their registration expires (Infinity: no TTL). */
  hosts: { host: string; remainingMs: number }[];
}

const FETCH_ATTEMPTS = 3;

export class RedisMatchmaker implements Matchmaker {
  readonly scheme: KeyScheme;
  readonly stats: RedisMatchmakerStats = {
    lookups: 0,
    cacheHits: 0,
    redisLookups: 0,
    fallbacks: 0,
    changes: 0,
    replays: 0,
    failures: 0,
    hostsDown: 0,
  };
  private readonly cache: LookupCache;
  private readonly book = new RegistrationBook();
  private readonly watchers = new Set<(key: string) => void>();
  private readonly changeListeners = new Set<(change: Change) => void>();
  private readonly inflight = new Map<string, Promise<string[]>>();
  private readonly detach: (() => void)[] = [];
  private readonly runner: CommandRunner;
  private subscribedOnce = false;
  /** The first SUBSCRIBE to the change channel, settled (either way). */
  private readonly firstSubscribe: Promise<void>;
  private closed = false;
  /** keyScheme "oslo": the keys in oslo's scheme (oslo-store.ts). */
  private readonly oslo: OsloStore | undefined;
  // --- observability (spec/observability.md) ---
  private readonly availability = new Set<(up: boolean, detail: string) => void>();
  private downSinceMs: number | undefined = undefined;
  private lastError = "";
  private readonly statsStore: StatsStore;

  constructor(
    private readonly conn: RedisConnections,
    private readonly clock: Clock,
    private readonly options: ResolvedRedisMatchmakerOptions,
  ) {
    this.scheme = keyScheme(options.keyPrefix, conn.db);
    // No change channel in oslo's scheme: a stale answer may miss a "-", so it is never served.
    this.cache = new LookupCache(options.lookupCacheTtlMs, options.keyScheme !== "oslo");
    this.oslo =
      options.keyScheme === "oslo"
        ? new OsloStore(
            installOsloCommands(conn.commands),
            (what, op) => this.runner.run(what, op),
            (what, cause) => this.runner.unavailable(what, cause),
          )
        : undefined;
    const { commands, subscriber } = conn;
    this.runner = new CommandRunner(
      commands,
      conn,
      clock,
      options.firstConnectWaitMs,
      () => this.stats.failures++,
      () => this.onReadyAgain(),
    );
    this.on(subscriber, "error", () => undefined); // reported through the command connection
    this.on(subscriber, "ready", () => this.onSubscriberReady());
    this.on(subscriber, "message", (channel: string, message: string) => {
      if (channel === this.scheme.channel) this.onMessage(message);
    });
    this.firstSubscribe = this.subscribe();
    this.statsStore = new StatsStore(commands, options.keyPrefix);
    this.watchAvailability(commands);
  }

  // --- observability (spec/observability.md) ---------------------------------------------

  get describe(): string {
    return this.conn.describe;
  }

  available(): boolean {
    return this.runner.reachable;
  }

  onAvailability(listener: (up: boolean, detail: string) => void): () => void {
    this.availability.add(listener);
    return () => this.availability.delete(listener);
  }

  publishStats(name: string, json: string, ttlMs: number): Promise<void> {
    return this.runner.run("publish stats", () => this.statsStore.publish(name, json, ttlMs));
  }

  removeStats(name: string): Promise<void> {
    return this.runner.run("remove stats", () => this.statsStore.remove(name));
  }

  /** Every server's published stats (npm run top). */
  readStats(): Promise<PublishedStatsEntry[]> {
    return this.runner.run("read stats", () => this.statsStore.readAll());
  }

  /** Reports the command connection going down (once per outage) and coming back. */
  private watchAvailability(commands: RedisConnections["commands"]): void {
    const tell = (up: boolean, detail: string): void => {
      for (const l of [...this.availability]) l(up, detail);
    };
    const down = (): void => {
      if (this.closed || this.downSinceMs !== undefined) return;
      this.downSinceMs = this.clock.nowMs();
      tell(false, this.lastError || "connection lost");
    };
    this.on(commands, "error", (e: Error) => {
      this.lastError = e.message;
    });
    this.on(commands, "close", down);
    this.on(commands, "reconnecting", down);
    this.on(commands, "ready", () => {
      if (this.closed || this.downSinceMs === undefined) return;
      this.downSinceMs = undefined;
      this.lastError = "";
      tell(true, "");
    });
  }

  /**
   * Resolves true when the command connection is ready and the first SUBSCRIBE to the
   * change channel has settled (so a change made after ready() reaches `watch`), false
   * when the connection is not ready after firstConnectWaitMs; never rejects. The wait for
   * the subscription is bounded by firstConnectWaitMs too. `waitMs` replaces
   * firstConnectWaitMs for the connection (the factory's startup wait).
   */
  async ready(waitMs?: number): Promise<boolean> {
    if (!(await this.runner.ready(waitMs))) return false;
    let timer: TimerId | undefined;
    await Promise.race([
      this.firstSubscribe,
      new Promise<void>((resolve) => (timer = this.clock.setTimer(this.options.firstConnectWaitMs, resolve))),
    ]);
    if (timer !== undefined) this.clock.clearTimer(timer);
    return true;
  }

  /** What the command connection's last error means (the factory refuses to start on a fatal one). */
  get lastFailure(): ErrorMeaning | undefined {
    return this.runner.lastFailure;
  }

  /** MatchmakerUnavailable for a startup the factory refuses: `what`, caused by the last connection error. */
  startupError(what: string): MatchmakerUnavailable {
    return this.runner.failedStart(what);
  }

  /** The Redis it uses, for messages and output: never a password (spec/security.md). */
  toJSON(): { redis: string; stats: RedisMatchmakerStats } {
    return { redis: this.conn.describe, stats: { ...this.stats } };
  }

  [INSPECT](): string {
    return `RedisMatchmaker(${this.conn.describe})`;
  }

  async register(key: string, host: string, ttlMs: number | null): Promise<void> {
    const token = this.book.begin(key, host, ttlMs);
    try {
      await this.writeRegister(key, host, ttlMs);
      this.book.succeeded(key, host, token);
    } catch (err) {
      this.book.failed(key, host, token);
      throw err;
    }
  }

  async unregister(key: string, host: string): Promise<void> {
    const token = this.book.remove(key, host);
    this.localChange({ op: "-", key, host });
    const mode = this.mode(key);
    if (mode !== "native") await this.oslo?.unregister(key, host);
    if (mode !== "oslo")
      await this.runner.run("unregister", () => this.conn.commands.mmUnregister(...this.membershipArgs(key, host)));
    this.book.removed(key, host, token);
  }

  async getHosts(key: string): Promise<string[]> {
    this.stats.lookups++;
    if (this.closed) throw this.runner.unavailable("is closed");
    const a = this.cache.answer(key, this.clock.nowMs(), this.runner.reachable);
    if (a.kind === "hit") {
      this.stats.cacheHits++;
      if (a.refresh) this.fetch(key).catch(() => undefined);
      return a.hosts;
    }
    try {
      return await this.fetch(key);
    } catch (err) {
      const last = this.cache.fallback(key);
      if (!last) throw err;
      this.stats.fallbacks++;
      return last;
    }
  }

  /**
   * The send path's synchronous lookup (Matchmaker.peekHosts): a fresh cache answer with at
   * least one host, counted as getHosts counts it; anything else (a miss, a stale answer
   * that needs a refresh, an outage, a closed matchmaker) is left to getHosts.
   */
  peekHosts(key: string): readonly string[] | undefined {
    if (this.closed) return undefined;
    const a = this.cache.answer(key, this.clock.nowMs(), this.runner.reachable);
    if (a.kind !== "hit" || a.refresh || a.hosts.length === 0) return undefined;
    this.stats.lookups++;
    this.stats.cacheHits++;
    return a.hosts;
  }

  watch(listener: (key: string) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /**
   * The socket layer saw the connection to `host` drop (the server process died, or the
   * network between us did). The host is left out of this process's answers at once and
   * comes back only if Redis shows it refreshed its registration after this report.
   */
  hostDown(host: string): void {
    if (this.closed) return;
    this.stats.hostsDown++;
    for (const key of this.cache.markDown(host)) {
      this.notify(key);
      this.fetch(key).catch(() => undefined);
    }
  }

  /** Calls `listener` with every change message received (for the CLI's watch). */
  onChange(listener: (change: Change) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Everything Redis knows (for the CLI): keys under `prefix` with their live hosts. */
  async list(prefix = ""): Promise<KeyListing[]> {
    const index = await this.lookup(this.scheme.indexKey);
    const keys = index.members
      .map((m) => m.member)
      .filter((k) => k.startsWith(prefix))
      .sort();
    const out: KeyListing[] = [];
    for (const key of keys) {
      const r = await this.lookup(this.scheme.hostsKey(key));
      if (r.members.length > 0)
        out.push({ key, hosts: r.members.map((m) => ({ host: m.member, remainingMs: m.expiresAtMs - r.nowMs })) });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.detach.splice(0)) d();
    this.runner.close();
    this.watchers.clear();
    this.changeListeners.clear();
    // Keep an error listener: ioredis may still emit while the sockets shut down.
    this.conn.commands.on("error", () => undefined);
    this.conn.subscriber.on("error", () => undefined);
    this.conn.subscriber.disconnect();
    this.conn.commands.disconnect();
  }

  // --- internals ---------------------------------------------------------------------------

  private nowArg(): string {
    return this.options.timeSource === "clock" ? String(Math.floor(this.clock.nowMs())) : "";
  }

  /** What mmRegister and mmUnregister begin with for `host` under `key`. */
  private membershipArgs(key: string, host: string): MembershipArgs {
    return [
      this.scheme.hostsKey(key),
      this.scheme.indexKey,
      this.nowArg(),
      String(this.options.keyGraceMs),
      this.scheme.channel,
      key,
      host,
    ];
  }

  private mode(key: string): SchemeMode {
    return this.oslo?.mode(key) ?? "native";
  }

  private async writeRegister(key: string, host: string, ttlMs: number | null): Promise<void> {
    const mode = this.mode(key);
    let changed = mode === "native" ? 0 : ((await this.oslo?.register(key, host, ttlMs)) ?? 0);
    if (mode !== "oslo") {
      const ttl = ttlMs === null ? "-1" : String(Math.max(0, Math.round(ttlMs)));
      const native = await this.runner.run("register", () =>
        this.conn.commands.mmRegister(...this.membershipArgs(key, host), ttl),
      );
      changed = Math.max(changed, native);
    }
    if (changed === 1) this.localChange({ op: "+", key, host });
  }

  /** One request to Redis per key at a time; retried when a change overtook it. */
  private fetch(key: string): Promise<string[]> {
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchFresh(key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetchFresh(key: string): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      const token = this.cache.beginFetch(key, this.clock.nowMs());
      const reply = await this.lookupKey(key);
      if (this.cache.store(token, reply) || attempt >= FETCH_ATTEMPTS)
        return liveInReply(token, reply, this.clock.nowMs());
    }
  }

  /** LOOKUP of a matchmaker key in its scheme (oslo-store.ts for keyScheme "oslo"). */
  private lookupKey(key: string): Promise<LookupReply> {
    const native = (): Promise<LookupReply> => this.lookup(this.scheme.hostsKey(key));
    if (!this.oslo || this.mode(key) === "native") return native();
    this.stats.redisLookups++;
    return this.oslo.lookup(key, native);
  }

  private async lookup(zsetKey: string): Promise<LookupReply> {
    this.stats.redisLookups++;
    const raw = await this.runner.run("lookup", () => this.conn.commands.mmLookup(zsetKey, this.nowArg()));
    try {
      return parseLookupReply(raw);
    } catch (err) {
      throw this.runner.unavailable(": unexpected lookup reply", err);
    }
  }

  private onReadyAgain(): void {
    // Back after an outage: Redis may have restarted empty, and changes were missed.
    this.stats.replays++;
    this.cache.invalidateAll();
    const { register, unregister } = this.book.replay();
    for (const u of unregister) this.unregister(u.key, u.host).catch(() => undefined);
    for (const r of register) this.register(r.key, r.host, r.ttlMs).catch(() => undefined);
    this.wakeAll();
  }

  private subscribe(): Promise<void> {
    // Failures need no handling: the subscriber re-subscribes on every reconnect.
    return this.conn.subscriber.subscribe(this.scheme.channel).then(
      () => this.onSubscribed(),
      () => undefined,
    );
  }

  private onSubscriberReady(): void {
    if (!this.subscribedOnce) {
      this.subscribedOnce = true; // the constructor's SUBSCRIBE is already queued
      return;
    }
    // Reconnected: subscribe again (ioredis's autoResubscribe is off, connection.ts: its
    // SUBSCRIBE's rejection would go unhandled).
    void this.subscribe();
  }

  /**
   * Redis confirmed a SUBSCRIBE: changes reach this matchmaker from now on, and any
   * published before may have been missed: after a reconnect, and also at the first
   * subscription of a matchmaker created while Redis was down, whose command connection
   * may have answered lookups (and whose watchers may have been waiting) before its
   * subscriber was back. At a normal start the cache is still empty and this does nothing.
   */
  private onSubscribed(): void {
    if (this.closed) return;
    this.cache.invalidateAll();
    this.wakeAll();
  }

  private onMessage(message: string): void {
    const change = decodeChange(message);
    if (!change) return; // peer input: ignore what does not parse
    this.stats.changes++;
    this.localChange(change);
    for (const l of [...this.changeListeners]) l(change);
  }

  private localChange(change: Change): void {
    this.cache.apply(change);
    this.notify(change.key);
  }

  private wakeAll(): void {
    for (const key of this.cache.keys()) this.notify(key);
  }

  private notify(key: string): void {
    for (const w of [...this.watchers]) w(key);
  }

  /** Listens on an ioredis connection; close() detaches every listener added here. */
  private on<A extends unknown[]>(emitter: EventEmitter, event: string, fn: (...a: A) => void): void {
    emitter.on(event, fn);
    this.detach.push(() => emitter.off(event, fn));
  }
}
