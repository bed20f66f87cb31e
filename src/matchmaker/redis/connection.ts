/**
 * The two ioredis connections of a Redis matchmaker: one for commands (the Lua scripts of
 * scripts.ts) and one subscribed to the change channel. Built from a parsed transport URL
 * (api/url.ts); Sentinel discovery and failover are ioredis's (role "master": reads and
 * writes both go to the master, so a reader never sees a replica that lags a write).
 *
 * Failure policy: nothing is queued while Redis is unreachable (enableOfflineQueue false,
 * maxRetriesPerRequest 0), so a command fails at once instead of hanging; a command on a
 * connection that stopped answering fails after commandTimeoutMs. Reconnects back off
 * linearly to reconnectMaxDelayMs, so servers re-register soon after Redis returns.
 *
 * Credentials and TLS: user and password from the URL (ioredis sends HELLO 3 AUTH),
 * Sentinel credentials from its query, TLS for zmq+rediss:// (the master) and
 * zmq+sentinels:// (Sentinels and master) with RedisMatchmakerOptions.tls. Every error
 * either connection emits is scrubbed of the secrets first (`scrub`: an ioredis
 * error carries the HELLO ... AUTH arguments of a failed handshake).
 */
import { Redis, type RedisOptions } from "ioredis";
import { scrubError, type Secret } from "../../core/redact.js";
import { GuardedSentinelConnector, GuardedStandaloneConnector } from "./guarded-connector.js";
import type { ResolvedRedisMatchmakerOptions } from "./options.js";
import { LOOKUP_LUA, REGISTER_LUA, UNREGISTER_LUA } from "./scripts.js";

/** What both kinds share: the database, TLS (zmq+rediss://, zmq+sentinels://), the Redis user and password. */
interface RedisSpecCommon {
  db: number;
  /** Present (true) for the TLS schemes. */
  tls?: boolean;
  /** ACL user name; without it Redis's `default` user. */
  username?: string;
  password?: Secret;
}

/** Where a Redis matchmaker connects: one Redis server, or the master its Sentinels name. */
export type RedisSpec =
  | ({ kind: "redis"; host: string; port: number } & RedisSpecCommon)
  | ({
      kind: "sentinel";
      sentinels: { host: string; port: number }[];
      masterName: string;
      sentinelUsername?: string;
      sentinelPassword?: Secret;
    } & RedisSpecCommon);

/** The arguments both membership scripts begin with: their two keys, then now, grace, channel, key and host. */
export type MembershipArgs = [
  hostsKey: string,
  indexKey: string,
  now: string,
  graceMs: string,
  channel: string,
  key: string,
  host: string,
];

/** The scripts of scripts.ts as ioredis commands (installed by defineCommand). */
export interface ScriptCommands {
  mmRegister(...args: [...MembershipArgs, ttlMs: string]): Promise<number>;
  mmUnregister(...args: MembershipArgs): Promise<number>;
  mmLookup(zsetKey: string, now: string): Promise<unknown>;
}

export interface RedisConnections {
  readonly commands: Redis & ScriptCommands;
  readonly subscriber: Redis;
  readonly db: number;
  /** "redis 127.0.0.1:6379/0" or "sentinel mymaster via 10.0.0.1:26379,...", for messages. */
  readonly describe: string;
  /** Whether the connections use TLS. */
  readonly tls: boolean;
  /** Removes the passwords and TLS secrets from an error, in place (both connections' errors already are). */
  scrub<E>(err: E): E;
}

/** For messages: "redis[s] user@host:port/db" or "sentinel[s] <master> via h1:p1,h2:p2/db"; never a secret. */
export function describeSpec(spec: RedisSpec): string {
  const s = spec.tls ? "s" : "";
  const user = spec.username !== undefined ? `${spec.username}@` : "";
  return spec.kind === "redis"
    ? `redis${s} ${user}${spec.host}:${spec.port}/${spec.db}`
    : `sentinel${s} ${user}${spec.masterName} via ${spec.sentinels.map((h) => `${h.host}:${h.port}`).join(",")}/${spec.db}`;
}

/** The secret strings a connection knows: passwords and the TLS private key and passphrase. */
export function specSecrets(spec: RedisSpec, o: ResolvedRedisMatchmakerOptions): string[] {
  const out: string[] = [];
  if (spec.password) out.push(spec.password.reveal());
  if (spec.kind === "sentinel" && spec.sentinelPassword) out.push(spec.sentinelPassword.reveal());
  for (const v of [o.tls?.passphrase, o.tls?.key].flat()) if (typeof v === "string") out.push(v);
  return out.filter((x) => x !== "");
}

export function redisClientOptions(spec: RedisSpec, o: ResolvedRedisMatchmakerOptions): RedisOptions {
  const backoff = (times: number): number => Math.min(50 * times, o.reconnectMaxDelayMs);
  const common: RedisOptions = {
    db: spec.db,
    connectionName: "zmq-matchmaker",
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: o.commandTimeoutMs,
    connectTimeout: o.connectTimeoutMs,
    retryStrategy: backoff,
    autoResubscribe: true,
    ...(spec.username !== undefined ? { username: spec.username } : {}),
    ...(spec.password !== undefined ? { password: spec.password.reveal() } : {}),
  };
  const tls = spec.tls ? { ...o.tls } : undefined;
  if (spec.kind === "redis")
    return {
      ...common,
      Connector: GuardedStandaloneConnector,
      host: spec.host,
      port: spec.port,
      ...(tls ? { tls } : {}),
    };
  return {
    ...common,
    Connector: GuardedSentinelConnector,
    sentinels: spec.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: spec.masterName,
    role: "master",
    sentinelRetryStrategy: backoff,
    sentinelCommandTimeout: o.commandTimeoutMs,
    ...(spec.sentinelUsername !== undefined ? { sentinelUsername: spec.sentinelUsername } : {}),
    ...(spec.sentinelPassword !== undefined ? { sentinelPassword: spec.sentinelPassword.reveal() } : {}),
    ...(tls ? { tls, sentinelTLS: tls, enableTLSForSentinelMode: true } : {}),
  };
}

/** Opens both connections (they connect in the background; see RedisMatchmaker.ready). */
export function openConnections(spec: RedisSpec, o: ResolvedRedisMatchmakerOptions): RedisConnections {
  const secrets = specSecrets(spec, o);
  const scrub = <E>(err: E): E => scrubError(err, secrets);
  const commands = new Redis(redisClientOptions(spec, o)) as Redis & ScriptCommands;
  // First listener of each connection: later listeners (and the console, were there none)
  // see the error without secrets.
  commands.on("error", scrub);
  commands.defineCommand("mmRegister", { numberOfKeys: 2, lua: REGISTER_LUA });
  commands.defineCommand("mmUnregister", { numberOfKeys: 2, lua: UNREGISTER_LUA });
  commands.defineCommand("mmLookup", { numberOfKeys: 1, lua: LOOKUP_LUA });
  // The subscriber sends nothing but SUBSCRIBE, which may wait for a connection as long
  // as it takes (a matchmaker created while Redis is down subscribes once it is up).
  // autoResubscribe off: ioredis's own resubscription on reconnect drops its SUBSCRIBE's
  // promise, which rejects unhandled ("Connection is closed.") when the connection closes
  // before Redis answers: a transport closed right after a Sentinel failover did (a
  // fresh-clone run of test/redis/sentinel.test.ts), and an unhandled rejection ends a
  // Node.js process. The matchmaker resubscribes itself on every "ready" after the first,
  // with the rejection handled (redis-matchmaker.ts, onSubscriberReady).
  const subscriber = commands.duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    connectionName: "zmq-matchmaker-sub",
    autoResubscribe: false,
  });
  subscriber.on("error", scrub);
  return { commands, subscriber, db: spec.db, describe: describeSpec(spec), tls: spec.tls === true, scrub };
}
