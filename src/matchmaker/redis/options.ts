/**
 * Options of the Redis matchmaker (oslo: the [matchmaker_redis] section). Every field has
 * its default and, where one exists, the oslo option it replaces; units last in the name.
 * The registration TTL and refresh period are driver options (DriverOptions
 * registrationTtlMs / registrationRefreshMs), whose defaults become 3000 / 1000 ms for
 * zmq+redis:// and zmq+sentinel:// URLs.
 */
import type { ConnectionOptions } from "node:tls";
import { hideSecrets } from "../../core/redact.js";
import { finiteAtLeast, knownKeys, oneOf, optionsObject, rangeError, string } from "../../core/validate.js";

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
  /**
   * TLS settings for zmq+rediss:// and zmq+sentinels:// URLs, as Node's
   * `tls.connect` takes them and ioredis passes them on: `ca` (the CA that signed the
   * server certificate; default: Node's bundled CAs), `cert` and `key` (a client
   * certificate, when Redis has `tls-auth-clients yes`), `passphrase`, `servername` (the
   * name checked against the certificate; default: the URL's host). With zmq+sentinels://
   * they apply to the Sentinels and to the master. Refused with a plain zmq+redis:// or
   * zmq+sentinel:// URL. Shown as `***` in output: `key`, `passphrase`, `pfx`.
   * @default undefined (no TLS options)
   */
  tls?: ConnectionOptions;
  /**
   * Layout of the registrations in Redis. "native": sorted sets scored by expiry plus a
   * change channel (this driver's own). "oslo": the SETs and liveness keys of
   * oslo.messaging's zmq driver (oslo-key-scheme.ts), so Python servers and clients share
   * the Redis; no change channel, so other processes see changes within lookupCacheTtlMs.
   * @default "native"
   */
  keyScheme?: "native" | "oslo";
}

export type ResolvedRedisMatchmakerOptions = Required<Omit<RedisMatchmakerOptions, "tls">> & {
  tls: ConnectionOptions | undefined;
};

/** Every RedisMatchmakerOptions field (spec/matchmaker-redis.md documents each; test/unit/options-documented.test.ts checks). */
export const REDIS_MATCHMAKER_OPTION_KEYS = [
  "keyPrefix",
  "lookupCacheTtlMs",
  "commandTimeoutMs",
  "connectTimeoutMs",
  "reconnectMaxDelayMs",
  "firstConnectWaitMs",
  "keyGraceMs",
  "timeSource",
  "tls",
  "keyScheme",
] as const satisfies readonly (keyof RedisMatchmakerOptions)[];

export function resolveRedisMatchmakerOptions(options: RedisMatchmakerOptions = {}): ResolvedRedisMatchmakerOptions {
  const o = optionsObject("RedisMatchmakerOptions", options) as RedisMatchmakerOptions;
  knownKeys("RedisMatchmakerOptions", o as Record<string, unknown>, REDIS_MATCHMAKER_OPTION_KEYS);
  const ms = (name: keyof RedisMatchmakerOptions, fallback: number): number =>
    o[name] === undefined ? fallback : finiteAtLeast(`RedisMatchmakerOptions.${name}`, o[name], 0);
  const keyPrefix = o.keyPrefix === undefined ? "zmq-mm:" : string("RedisMatchmakerOptions.keyPrefix", o.keyPrefix);
  if (/\s/.test(keyPrefix)) throw rangeError("RedisMatchmakerOptions.keyPrefix", "free of white space", keyPrefix);
  const tls =
    o.tls === undefined ? undefined : { ...(optionsObject("RedisMatchmakerOptions.tls", o.tls) as ConnectionOptions) };
  return hideSecrets({
    keyPrefix,
    lookupCacheTtlMs: ms("lookupCacheTtlMs", 500),
    commandTimeoutMs: ms("commandTimeoutMs", 1000),
    connectTimeoutMs: ms("connectTimeoutMs", 1000),
    reconnectMaxDelayMs: ms("reconnectMaxDelayMs", 500),
    firstConnectWaitMs: ms("firstConnectWaitMs", 1000),
    keyGraceMs: ms("keyGraceMs", 60_000),
    timeSource:
      o.timeSource === undefined
        ? "redis"
        : oneOf("RedisMatchmakerOptions.timeSource", o.timeSource, ["redis", "clock"]),
    tls: tls === undefined ? undefined : hideSecrets(tls),
    keyScheme:
      o.keyScheme === undefined ? "native" : oneOf("RedisMatchmakerOptions.keyScheme", o.keyScheme, ["native", "oslo"]),
  });
}
