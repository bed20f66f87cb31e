/**
 * Transport URL parsing. Every failure is an InvalidTransportURL naming the wrong part.
 *
 *   zmq://                                  in-process matchmaker (the embedded default)
 *   zmq+redis://[:password@]host:port[/db]  Redis matchmaker
 *   zmq+sentinel://h1:26379,h2:26379/<master>[?password=...]  Redis through Sentinel
 */
import { typeError } from "../core/validate.js";
import { InvalidTransportURL } from "../errors.js";
import type { RedisSpec } from "../matchmaker/redis/connection.js";

/** The matchmaker a transport URL names: the in-process one, or Redis (directly or through Sentinel). */
export type MatchmakerSpec = { kind: "in-process" } | RedisSpec;

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

export function parseTransportUrl(url: string): MatchmakerSpec {
  if (typeof url !== "string") throw typeError("getRpcTransport: url", 'a string such as "zmq://"', url);
  const m = /^([a-z+]+):\/\/(.*)$/i.exec(url);
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
  if (scheme === "zmq+redis") {
    const r = /^(?:(?:([^:@/]*):)?([^@/]*)@)?([^/?]+)(?:\/([^?]*))?$/.exec(rest);
    if (!r) throw new InvalidTransportURL(url, "expected zmq+redis://[:password@]host:port[/db]");
    if (r[3]!.includes(","))
      throw new InvalidTransportURL(
        url,
        `hosts ${JSON.stringify(r[3])}: several independent Redis hosts are not supported; use zmq+sentinel://s1,s2/<masterName> for high availability`,
      );
    const { host, port } = hostPort(url, r[3]!, 6379);
    const password = r[2] ? decode(url, "password", r[2]) : undefined;
    return { kind: "redis", host, port, db: parseDb(url, r[4] ?? ""), ...(password ? { password } : {}) };
  }
  if (scheme === "zmq+sentinel") {
    const r = /^(?:(?:[^:@/]*:)?([^@/]*)@)?([^/?]+)\/([^?/]+)(?:\/(\d+))?(?:\?(.*))?$/.exec(rest);
    if (!r) throw new InvalidTransportURL(url, "expected zmq+sentinel://host1:port1[,host2:port2]/<masterName>");
    const sentinels = r[2]!.split(",").map((hp) => hostPort(url, hp, 26379));
    const q = new URLSearchParams(r[5] ?? "");
    const password = r[1] ? decode(url, "password", r[1]) : (q.get("password") ?? undefined);
    return {
      kind: "sentinel",
      sentinels,
      masterName: decode(url, "master name", r[3]!),
      db: parseDb(url, r[4] ?? ""),
      ...(password ? { password } : {}),
    };
  }
  throw new InvalidTransportURL(
    url,
    `unsupported scheme ${JSON.stringify(scheme)} (expected zmq, zmq+redis or zmq+sentinel)`,
  );
}
