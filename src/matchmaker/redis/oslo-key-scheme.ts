/**
 * oslo's Redis key scheme (RedisMatchmakerOptions.keyScheme "oslo"; spec/matchmaker-redis.md,
 * "Key scheme oslo"): what oslo.messaging's zmq driver writes and reads, so that servers
 * and clients of both drivers find each other in one Redis. From
 * oslo_messaging/_drivers/zmq_driver/matchmaker/zmq_matchmaker_redis.py and zmq_address.py
 * at tag rocky-eol:
 *
 *   ROUTER/<topic>            SET  members "host:port" of every server of the topic
 *   ROUTER/<topic>/<server>   SET  members "host:port" of that server (server cut at "@")
 *   <host:port>               SET  {" "}: the liveness key of one member
 *
 * register = SADD key member, EXPIRE key ttl, SADD member " ", EXPIRE member ttl (ttl in
 * whole seconds; none when registered without TTL). A member is live while its liveness
 * key exists (TTL >= -1); dead members stay in the SET and are skipped on read. No change
 * channel exists: other processes see a change when they next read Redis.
 *
 * RPC keys ("<exchange>/<topic>[/<server>]", core/target.ts) map to these; the exchange
 * is dropped, as oslo ignores it. Notification keys map to oslo's ROUTER/<topic>.<priority>
 * as oslo-store.ts describes.
 */

/** The listener type oslo's direct-mode servers register under (zmq_names.socket_type_str(zmq.ROUTER)). */
export const OSLO_LISTENER_TYPE = "ROUTER";

/**
 * KEYS: set key. ARGV: member, ttl seconds (<= 0: no EXPIRE). Returns 1 when the member
 * was not live before (added to the set, or its liveness key was missing), else 0.
 */
export const OSLO_REGISTER_LUA = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
local alive = redis.call('EXISTS', ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
redis.call('SADD', ARGV[1], ' ')
if ttl > 0 then redis.call('EXPIRE', ARGV[1], ttl) end
if added == 1 or alive == 0 then return 1 end
return 0
`;

/** KEYS: set key. ARGV: member, "1" to remove the liveness key too. Returns SREM's count. */
export const OSLO_UNREGISTER_LUA = `
local removed = redis.call('SREM', KEYS[1], ARGV[1])
if ARGV[2] == '1' then redis.call('SREM', ARGV[1], ' ') end
return removed
`;

/**
 * KEYS: set key. Returns [now, member, expiry, ...] like LOOKUP_LUA (scripts.ts): each
 * member whose liveness key exists, its expiry now + PTTL, or "inf" for no TTL.
 */
export const OSLO_LOOKUP_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local r = { string.format('%.0f', now) }
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local pttl = redis.call('PTTL', m)
  if pttl == -1 then
    table.insert(r, m)
    table.insert(r, 'inf')
  elseif pttl >= 0 then
    table.insert(r, m)
    table.insert(r, string.format('%.0f', now + pttl))
  end
end
return r
`;

/**
 * The oslo SET key for a matchmaker key of core/target.ts, or undefined when the key is
 * not an RPC key (it then keeps the native scheme).
 */
export function osloSetKey(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length !== 2 && parts.length !== 3) return undefined;
  if (parts.some((p) => p === "" || /[^A-Za-z0-9%\-_.!~*'()]/.test(p))) return undefined;
  let decoded: string[];
  try {
    decoded = parts.map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
  const topic = decoded[1] as string;
  if (decoded.length === 2) return `${OSLO_LISTENER_TYPE}/${topic}`;
  // zmq_address.target_to_key: "FIXME(ozamiatin): Workaround for Cinder" cuts at "@".
  const server = (decoded[2] as string).split("@")[0];
  return `${OSLO_LISTENER_TYPE}/${topic}/${server}`;
}

/**
 * A notification key of core/target.ts ("notify:<exchange>/<topic>.<priority>[/<pool part>]")
 * -> oslo's SET of that topic's listeners (ZmqNotificationServer listens on
 * Target(topic="<topic>.<priority>")), and the pool part when it is a pool key.
 */
export function osloNotifyKey(key: string): { setKey: string; poolPart?: string } | undefined {
  if (!key.startsWith("notify:")) return undefined;
  const parts = key.slice("notify:".length).split("/");
  if ((parts.length !== 2 && parts.length !== 3) || parts[1] === "") return undefined;
  let topic: string;
  try {
    topic = decodeURIComponent(parts[1] as string);
  } catch {
    return undefined;
  }
  const setKey = `${OSLO_LISTENER_TYPE}/${topic}`;
  return parts.length === 3 ? { setKey, poolPart: parts[2] as string } : { setKey };
}

/** The pool part of an oslo listener: a pool of its own (":" marks a private pool, core/target.ts). */
export function osloPoolPart(member: string): string {
  return `:oslo-${encodeURIComponent(member)}`;
}

const TCP = /^tcp:\/\/([^/\s]+:\d{1,5})$/;
const MEMBER = /^([^/\s]+):(\d{1,5})$/;

/** "tcp://host:port" -> oslo's member "host:port"; undefined for any other address. */
export function osloMember(host: string): string | undefined {
  return TCP.exec(host)?.[1];
}

/** oslo's member "host:port" -> "tcp://host:port"; undefined for anything else (peer input). */
export function fromOsloMember(member: string): string | undefined {
  const m = MEMBER.exec(member);
  if (!m || Number(m[2]) > 65535) return undefined;
  return `tcp://${member}`;
}

/**
 * Which hosts this process registered under which oslo keys. oslo's unregister also
 * removes the member's liveness key, which would hide the host under every other key it
 * is registered under; this process removes it only with the host's last registration.
 */
export class OsloRegistrations {
  private readonly keysOf = new Map<string, Set<string>>();

  add(member: string, setKey: string): void {
    const keys = this.keysOf.get(member) ?? new Set<string>();
    keys.add(setKey);
    this.keysOf.set(member, keys);
  }

  /** Forgets one registration; true when it was the member's last (drop the liveness key). */
  remove(member: string, setKey: string): boolean {
    const keys = this.keysOf.get(member);
    keys?.delete(setKey);
    if (keys && keys.size > 0) return false;
    this.keysOf.delete(member);
    return true;
  }
}

/** TTL in whole seconds as oslo's EXPIRE takes it: rounded up (never shorter), at least 1; 0 = none. */
export function osloTtlSeconds(ttlMs: number | null): number {
  if (ttlMs === null) return 0;
  return Math.max(1, Math.ceil(ttlMs / 1000));
}

/** The oslo scripts as commands of the matchmaker's command connection. */
export interface OsloCommands {
  osloRegister(setKey: string, member: string, ttlSeconds: string): Promise<number>;
  osloUnregister(setKey: string, member: string, dropLiveness: string): Promise<number>;
  osloLookup(setKey: string): Promise<unknown>;
}

/** Installs the oslo scripts on an ioredis client (EVALSHA with EVAL fallback, as connection.ts does). */
export function installOsloCommands<
  R extends { defineCommand(name: string, d: { numberOfKeys: number; lua: string }): void },
>(redis: R): R & OsloCommands {
  redis.defineCommand("osloRegister", { numberOfKeys: 1, lua: OSLO_REGISTER_LUA });
  redis.defineCommand("osloUnregister", { numberOfKeys: 1, lua: OSLO_UNREGISTER_LUA });
  redis.defineCommand("osloLookup", { numberOfKeys: 1, lua: OSLO_LOOKUP_LUA });
  return redis as R & OsloCommands;
}
