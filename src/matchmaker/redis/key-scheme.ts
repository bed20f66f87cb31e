/**
 * Redis key scheme of the matchmaker (spec/matchmaker-redis.md). Pure: names and the
 * change-message format, nothing else.
 *
 *   <prefix>hosts:<key>   ZSET  member = host entry ("tcp://10.0.0.5:41234", with CURVE
 *                               "…#curve=<hex key>": core/host-entry.ts),
 *                               score  = expiry in Redis server time (ms), "inf" = no TTL
 *   <prefix>keys          ZSET  member = <key>, score = latest expiry among its hosts
 *   <prefix>changes:<db>  channel: "+\t<key>\t<host>" when a host becomes visible,
 *                                  "-\t<key>\t<host>" when it is unregistered
 *
 * <key> is the matchmaker key of core/target.ts ("<exchange>/<topic>[/<server>]", each
 * part percent-encoded), so it contains no white space. Redis cannot expire one member of
 * a set; a sorted set scored by expiry can: readers take members with score > now, and
 * every write prunes members with score <= now. The whole key also gets a PEXPIRE past its
 * latest member expiry, so an abandoned key disappears from Redis by itself.
 */

export interface KeyScheme {
  hostsKey(key: string): string;
  readonly indexKey: string;
  readonly channel: string;
}

export function keyScheme(prefix: string, db: number): KeyScheme {
  const hostsPrefix = `${prefix}hosts:`;
  return {
    hostsKey: (key) => hostsPrefix + key,
    indexKey: `${prefix}keys`,
    channel: `${prefix}changes:${db}`,
  };
}

export type ChangeOp = "+" | "-";

/** One change published by a register ("+", the host became visible) or unregister ("-"). */
export interface Change {
  op: ChangeOp;
  key: string;
  host: string;
}

export function encodeChange(c: Change): string {
  return `${c.op}\t${c.key}\t${c.host}`;
}

/**
 * Parses a message from the change channel. Other processes write it, so it is peer input:
 * anything malformed yields undefined and is ignored by the caller.
 */
export function decodeChange(message: string): Change | undefined {
  if (typeof message !== "string" || message.length > 4096) return undefined;
  const parts = message.split("\t");
  if (parts.length !== 3) return undefined;
  const [op, key, host] = parts as [string, string, string];
  if ((op !== "+" && op !== "-") || key === "" || host === "") return undefined;
  return { op, key, host };
}
