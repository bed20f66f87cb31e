/**
 * The matchmaker's Redis operations as Lua scripts, so each is atomic and costs one round
 * trip, plus parsers for their replies. Pure: sources and parsing only; connection.ts
 * installs them on an ioredis client (EVALSHA with EVAL fallback after a Redis restart).
 *
 * Time: ARGV[1] is "" in the real shell, and the scripts read the Redis server's TIME, so
 * processes whose clocks disagree still agree on expiries. A test with a fake clock passes
 * its own now in ms instead (RedisMatchmakerOptions.timeSource = "clock").
 *
 * Visibility rule (the same as core/ttl-registry.ts, which serves as the model in the
 * property tests): a member is visible at time t iff t < score. Writes prune members with
 * score <= now; reads skip them.
 */

const PRELUDE = `
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%.0f', n) end
local function visible(score, now) return score and (score == 'inf' or tonumber(score) > now) end
-- Prune expired members and index entries, then set the key's PEXPIRE and index score
-- from the latest member expiry.
local function tidy(hosts, index, key, now, grace)
  redis.call('ZREMRANGEBYSCORE', hosts, '-inf', fmt(now))
  redis.call('ZREMRANGEBYSCORE', index, '-inf', fmt(now))
  local top = redis.call('ZRANGE', hosts, -1, -1, 'WITHSCORES')
  if #top == 0 then
    redis.call('ZREM', index, key)
  elseif top[2] == 'inf' then
    redis.call('PERSIST', hosts)
    redis.call('ZADD', index, 'inf', key)
  else
    local last = tonumber(top[2])
    redis.call('PEXPIRE', hosts, fmt(math.max(1, last - now + grace)))
    redis.call('ZADD', index, top[2], key)
  end
end
`;

/**
 * KEYS: hostsKey, indexKey. ARGV: now|"", graceMs, channel, key, host, ttlMs (-1 = none).
 * Publishes "+" and returns 1 when the host became visible or its expiry moved earlier
 * (caches must re-read it); returns 0 for a plain refresh, which publishes nothing.
 */
export const REGISTER_LUA = `${PRELUDE}
local now = clock(ARGV[1])
local ttl = tonumber(ARGV[6])
local score = 'inf'
if ttl >= 0 then score = fmt(now + ttl) end
local prev = redis.call('ZSCORE', KEYS[1], ARGV[5])
local before = visible(prev, now)
local earlier = before and prev ~= score and (prev == 'inf' or (score ~= 'inf' and tonumber(score) < tonumber(prev)))
redis.call('ZADD', KEYS[1], score, ARGV[5])
tidy(KEYS[1], KEYS[2], ARGV[4], now, tonumber(ARGV[2]))
if visible(score, now) and (not before or earlier) then
  redis.call('PUBLISH', ARGV[3], '+\\t' .. ARGV[4] .. '\\t' .. ARGV[5])
  return 1
end
return 0
`;

/**
 * KEYS: hostsKey, indexKey. ARGV: now|"", graceMs, channel, key, host.
 * Returns 1 when the host was removed (and "-" was published), else 0.
 */
export const UNREGISTER_LUA = `${PRELUDE}
local now = clock(ARGV[1])
local removed = redis.call('ZREM', KEYS[1], ARGV[5])
tidy(KEYS[1], KEYS[2], ARGV[4], now, tonumber(ARGV[2]))
if removed == 1 then
  redis.call('PUBLISH', ARGV[3], '-\\t' .. ARGV[4] .. '\\t' .. ARGV[5])
end
return removed
`;

/** KEYS: a ZSET (hostsKey or indexKey). ARGV: now|"". Returns [now, member, score, ...] of visible members. */
export const LOOKUP_LUA = `${PRELUDE}
local now = clock(ARGV[1])
local r = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. fmt(now), '+inf', 'WITHSCORES')
table.insert(r, 1, fmt(now))
return r
`;

export interface Member {
  /** A host (hosts key) or a matchmaker key (index key). */
  member: string;
  /** Absolute expiry in the script's time base; Infinity when registered without TTL. */
  expiresAtMs: number;
}

export interface LookupReply {
  /** The script's now, in the same time base as `expiresAtMs`. */
  nowMs: number;
  members: Member[];
}

function score(s: unknown): number {
  if (s === "inf" || s === "+inf") return Infinity;
  const n = typeof s === "string" ? Number(s) : NaN;
  if (!Number.isFinite(n)) throw new TypeError(`matchmaker lookup: bad score ${JSON.stringify(s)}`);
  return n;
}

/** Parses LOOKUP_LUA's reply; throws TypeError on anything else (never trusts its shape). */
export function parseLookupReply(reply: unknown): LookupReply {
  if (!Array.isArray(reply) || reply.length % 2 !== 1)
    throw new TypeError("matchmaker lookup: reply is not [now, member, score, ...]");
  const nowMs = score(reply[0]);
  if (!Number.isFinite(nowMs)) throw new TypeError("matchmaker lookup: now is not finite");
  const members: Member[] = [];
  for (let i = 1; i < reply.length; i += 2) {
    const member = reply[i];
    if (typeof member !== "string") throw new TypeError("matchmaker lookup: member is not a string");
    members.push({ member, expiresAtMs: score(reply[i + 1]) });
  }
  return { nowMs, members };
}
