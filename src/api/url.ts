/**
 * Transport URL parsing. Every failure is an InvalidTransportURL naming the wrong part;
 * its message shows the URL with the password masked (core/redact.ts) and never echoes a
 * piece of the user information.
 *
 *   zmq://                                          in-process matchmaker (the embedded default)
 *   zmq+redis://[[user]:password@]host:port[/db]    Redis (zmq+rediss:// over TLS)
 *   zmq+sentinel://[[user]:password@]h1:26379,h2:26379/<master>[/db][?sentinelPassword=...]
 *                                                   Redis through Sentinel (zmq+sentinels:// over TLS)
 *
 * The user information is everything between `://` and the last `@` (so a raw `@`, `/` or
 * `:` in a password still parses; percent-encode them anyway). User and password are
 * percent-decoded. Without `:` the user information is the password (oslo's form).
 */
import { Secret } from "../core/redact.js";
import { typeError } from "../core/validate.js";
import { InvalidTransportURL } from "../errors.js";
import type { RedisSpec } from "../matchmaker/redis/connection.js";

/** The matchmaker a transport URL names: the in-process one, or Redis (directly or through Sentinel). */
export type MatchmakerSpec = { kind: "in-process" } | RedisSpec;

/** Query parameters of a Sentinel URL; `password` (the master's) is the older form of the user information. */
const SENTINEL_PARAMS = ["password", "sentinelUsername", "sentinelPassword"] as const;

function hostPort(url: string, s: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:/[\]]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new InvalidTransportURL(url, `host ${JSON.stringify(s)} is not host[:port]`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidTransportURL(url, `port ${m[2]} is out of range`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

function parseDb(url: string, s: string): number {
  if (s === "") return 0;
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535)
    throw new InvalidTransportURL(url, `database ${JSON.stringify(s)} is not a number from 0 to 65535`);
  return Number(s);
}

function decode(url: string, what: string, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new InvalidTransportURL(url, `${what} has a malformed percent escape`);
  }
}

/** User and password of the user information (before the last `@`), percent-decoded. */
function credentials(url: string, info: string | undefined): { username?: string; password?: Secret } {
  if (info === undefined) return {};
  const colon = info.indexOf(":");
  if (colon < 0) return info === "" ? {} : { password: new Secret(decode(url, "password", info)) };
  const username = decode(url, "user name", info.slice(0, colon));
  const password = decode(url, "password", info.slice(colon + 1));
  // A user without a password still authenticates (ACL users with `nopass` take any).
  if (username !== "") return { username, password: new Secret(password) };
  return password === "" ? {} : { password: new Secret(password) };
}

/** Splits `<userinfo>@<rest>` at the last `@`. */
function splitUserInfo(rest: string): { info: string | undefined; tail: string } {
  const at = rest.lastIndexOf("@");
  return at < 0 ? { info: undefined, tail: rest } : { info: rest.slice(0, at), tail: rest.slice(at + 1) };
}

function sentinelQuery(
  url: string,
  query: string | undefined,
): Partial<Record<(typeof SENTINEL_PARAMS)[number], string>> {
  const out: Partial<Record<(typeof SENTINEL_PARAMS)[number], string>> = {};
  if (query === undefined || query === "") return out;
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw new InvalidTransportURL(url, "a query parameter has no value (expected name=value)");
    const name = part.slice(0, eq);
    if (!(SENTINEL_PARAMS as readonly string[]).includes(name))
      throw new InvalidTransportURL(
        url,
        `unknown query parameter ${JSON.stringify(name)} (expected ${SENTINEL_PARAMS.join(", ")})`,
      );
    out[name as (typeof SENTINEL_PARAMS)[number]] = decode(url, `query parameter ${name}`, part.slice(eq + 1));
  }
  return out;
}

function parseRedis(url: string, rest: string, tls: boolean): RedisSpec {
  const { info, tail } = splitUserInfo(rest);
  const r = /^([^/?#]+)(?:\/([^?#]*))?$/.exec(tail);
  if (!r) throw new InvalidTransportURL(url, "expected zmq+redis://[[user]:password@]host:port[/db] (no query)");
  if (r[1]!.includes(","))
    throw new InvalidTransportURL(
      url,
      `hosts ${JSON.stringify(r[1])}: several independent Redis hosts are not supported; use zmq+sentinel://s1,s2/<masterName> for high availability`,
    );
  const { host, port } = hostPort(url, r[1]!, 6379);
  return {
    kind: "redis",
    host,
    port,
    db: parseDb(url, r[2] ?? ""),
    ...(tls ? { tls: true } : {}),
    ...credentials(url, info),
  };
}

function parseSentinel(url: string, rest: string, tls: boolean): RedisSpec {
  const { info, tail } = splitUserInfo(rest);
  const r = /^([^/?#]+)\/([^?/#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(tail);
  if (!r)
    throw new InvalidTransportURL(
      url,
      "expected zmq+sentinel://[[user]:password@]host1:port1[,host2:port2]/<masterName>[/db]",
    );
  const sentinels = r[1]!.split(",").map((hp) => hostPort(url, hp, 26379));
  const q = sentinelQuery(url, r[4]);
  const creds = credentials(url, info);
  const password = creds.password ?? (q.password === undefined ? undefined : new Secret(q.password));
  return {
    kind: "sentinel",
    sentinels,
    masterName: decode(url, "master name", r[2]!),
    db: parseDb(url, r[3] ?? ""),
    ...(tls ? { tls: true } : {}),
    ...(creds.username !== undefined ? { username: creds.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(q.sentinelUsername !== undefined ? { sentinelUsername: q.sentinelUsername } : {}),
    ...(q.sentinelPassword !== undefined ? { sentinelPassword: new Secret(q.sentinelPassword) } : {}),
  };
}

export function parseTransportUrl(url: string): MatchmakerSpec {
  if (typeof url !== "string") throw typeError("getRpcTransport: url", 'a string such as "zmq://"', url);
  const m = /^([a-z+]+):\/\/([\s\S]*)$/i.exec(url);
  if (!m) throw new InvalidTransportURL(url, "expected <scheme>://...");
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === "zmq") {
    if (rest !== "" && rest !== "/")
      throw new InvalidTransportURL(
        url,
        "zmq:// takes no host (the in-process matchmaker); use zmq+redis://host:port for Redis",
      );
    return { kind: "in-process" };
  }
  if (scheme === "zmq+redis" || scheme === "zmq+rediss") return parseRedis(url, rest, scheme === "zmq+rediss");
  if (scheme === "zmq+sentinel" || scheme === "zmq+sentinels")
    return parseSentinel(url, rest, scheme === "zmq+sentinels");
  throw new InvalidTransportURL(
    url,
    `unsupported scheme ${JSON.stringify(scheme)} (expected zmq, zmq+redis, zmq+rediss, zmq+sentinel or zmq+sentinels)`,
  );
}
