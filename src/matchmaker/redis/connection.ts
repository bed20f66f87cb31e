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
 */
import { Redis, type RedisOptions } from "ioredis";
import type { ResolvedRedisMatchmakerOptions } from "./options.js";
import { LOOKUP_LUA, REGISTER_LUA, UNREGISTER_LUA } from "./scripts.js";

/** Where a Redis matchmaker connects: one Redis server, or the master its Sentinels name. */
export type RedisSpec =
  | { kind: "redis"; host: string; port: number; db: number; password?: string }
  | {
      kind: "sentinel";
      sentinels: { host: string; port: number }[];
      masterName: string;
      db: number;
      password?: string;
    };

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
}

export function describeSpec(spec: RedisSpec): string {
  return spec.kind === "redis"
    ? `redis ${spec.host}:${spec.port}/${spec.db}`
    : `sentinel ${spec.masterName} via ${spec.sentinels.map((s) => `${s.host}:${s.port}`).join(",")}/${spec.db}`;
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
    ...(spec.password !== undefined ? { password: spec.password } : {}),
  };
  if (spec.kind === "redis") return { ...common, host: spec.host, port: spec.port };
  return {
    ...common,
    sentinels: spec.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: spec.masterName,
    role: "master",
    sentinelRetryStrategy: backoff,
    sentinelCommandTimeout: o.commandTimeoutMs,
  };
}

/** Opens both connections (they connect in the background; see RedisMatchmaker.ready). */
export function openConnections(spec: RedisSpec, o: ResolvedRedisMatchmakerOptions): RedisConnections {
  const commands = new Redis(redisClientOptions(spec, o)) as Redis & ScriptCommands;
  commands.defineCommand("mmRegister", { numberOfKeys: 2, lua: REGISTER_LUA });
  commands.defineCommand("mmUnregister", { numberOfKeys: 2, lua: UNREGISTER_LUA });
  commands.defineCommand("mmLookup", { numberOfKeys: 1, lua: LOOKUP_LUA });
  // The subscriber sends nothing but SUBSCRIBE, which may wait for a connection as long
  // as it takes (a matchmaker created while Redis is down subscribes once it is up).
  const subscriber = commands.duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    connectionName: "zmq-matchmaker-sub",
  });
  return { commands, subscriber, db: spec.db, describe: describeSpec(spec) };
}
