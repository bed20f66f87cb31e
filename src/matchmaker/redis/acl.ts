/**
 * The least a Redis ACL user needs to be a matchmaker (spec/matchmaker-redis.md,
 * "Authentication, ACL and TLS"): its keys and change channel under the key prefix, the
 * scripts, the commands they call, SUBSCRIBE, and INFO for ioredis's ready check. Used by
 * `npm run matchmaker -- acl` and by the tests, which run the matchmaker as exactly this
 * user.
 */

/** Commands the matchmaker sends itself, then those its Lua scripts (scripts.ts) call; Redis checks both. */
export const MATCHMAKER_COMMANDS = [
  "evalsha",
  "eval",
  "subscribe",
  "info",
  "time",
  "zadd",
  "zrem",
  "zscore",
  "zrange",
  "zrangebyscore",
  "zremrangebyscore",
  "pexpire",
  "persist",
  "publish",
] as const;

/** `s` with the glob characters of ACL key and channel patterns escaped. */
function literal(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * ACL rules (for `ACL SETUSER <user> on ><password> <rules…>` or a `user` line of
 * redis.conf / users.acl) that allow the matchmaker with `keyPrefix` on database `db` and
 * nothing else: no other key, no other channel, no other command.
 */
export function aclRules(keyPrefix = "zmq-mm:", db = 0): string[] {
  return [
    "resetkeys",
    `~${literal(keyPrefix)}*`,
    "resetchannels",
    `&${literal(keyPrefix)}changes:*`,
    "-@all",
    ...MATCHMAKER_COMMANDS.map((c) => `+${c}`),
    ...(db === 0 ? [] : ["+select"]),
  ];
}
