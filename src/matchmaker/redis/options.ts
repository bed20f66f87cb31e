/**
 * Options of the Redis matchmaker (oslo: the [matchmaker_redis] section). Every field has
 * its default and, where one exists, the oslo option it replaces; units last in the name.
 * The registration TTL and refresh period are driver options (DriverOptions
 * registrationTtlMs / registrationRefreshMs), whose defaults become 3000 / 1000 ms for
 * zmq+redis:// and zmq+sentinel:// URLs.
 */

/** DriverOptions.registrationTtlMs default for Redis URLs (refresh: a third of it, 1000 ms). */
export const DEFAULT_REDIS_REGISTRATION_TTL_MS = 3000;

export interface RedisMatchmakerOptions {
  /** Prefix of every Redis key and of the change channel. @default "zmq-mm:" */
  keyPrefix?: string;
  /**
   * How long a lookup answer is served from the client cache without asking Redis. Changes
   * published by other processes invalidate it sooner; this bounds staleness when a change
   * message is lost. @default 500
   */
  lookupCacheTtlMs?: number;
  /** A Redis command that has not answered by then fails with MatchmakerUnavailable (oslo: socket_timeout, 10 s). @default 1000 */
  commandTimeoutMs?: number;
  /** Time allowed to open a TCP connection to Redis or a Sentinel. @default 1000 */
  connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts; the n-th waits min(50·n, this). @default 500 */
  reconnectMaxDelayMs?: number;
  /**
   * How long an operation waits for the first connection to become ready before failing
   * with MatchmakerUnavailable (later outages fail at once; nothing is queued). @default 1000
   */
  firstConnectWaitMs?: number;
  /**
   * Extra lifetime given to a whole Redis key past the latest expiry of its members, so an
   * abandoned key is garbage-collected by Redis itself. @default 60000
   */
  keyGraceMs?: number;
  /**
   * Where registration expiries are measured. "redis" (the real shell) uses the Redis
   * server's TIME, so hosts with skewed clocks agree. "clock" uses the matchmaker's Clock
   * port: only for single-process tests with a fake clock. @default "redis"
   */
  timeSource?: "redis" | "clock";
}

export type ResolvedRedisMatchmakerOptions = Required<RedisMatchmakerOptions>;

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0)
    throw new RangeError(`RedisMatchmakerOptions.${name} must be a non-negative number, got ${v}`);
  return v;
}

export function resolveRedisMatchmakerOptions(o: RedisMatchmakerOptions = {}): ResolvedRedisMatchmakerOptions {
  const keyPrefix = o.keyPrefix ?? "zmq-mm:";
  if (/[\s]/.test(keyPrefix))
    throw new RangeError(
      `RedisMatchmakerOptions.keyPrefix must not contain white space, got ${JSON.stringify(keyPrefix)}`,
    );
  const timeSource = o.timeSource ?? "redis";
  if (timeSource !== "redis" && timeSource !== "clock")
    throw new RangeError(`RedisMatchmakerOptions.timeSource must be "redis" or "clock", got ${String(timeSource)}`);
  return {
    keyPrefix,
    lookupCacheTtlMs: nonNegative("lookupCacheTtlMs", o.lookupCacheTtlMs ?? 500),
    commandTimeoutMs: nonNegative("commandTimeoutMs", o.commandTimeoutMs ?? 1000),
    connectTimeoutMs: nonNegative("connectTimeoutMs", o.connectTimeoutMs ?? 1000),
    reconnectMaxDelayMs: nonNegative("reconnectMaxDelayMs", o.reconnectMaxDelayMs ?? 500),
    firstConnectWaitMs: nonNegative("firstConnectWaitMs", o.firstConnectWaitMs ?? 1000),
    keyGraceMs: nonNegative("keyGraceMs", o.keyGraceMs ?? 60_000),
    timeSource,
  };
}
