/**
 * matchmaker CLI: lists what the Redis matchmaker knows.
 *
 *   npm run matchmaker -- hosts <topic> [--exchange <e>] [--server <s>]   hosts of a topic and its servers
 *   npm run matchmaker -- keys [<key-prefix>]                             every key with live hosts
 *   npm run matchmaker -- watch                                           print change messages as they come
 *
 * Common flags: --url <zmq+redis://...|zmq+sentinel://...> (default $ZMQ_TRANSPORT_URL or
 * zmq+redis://127.0.0.1:6379), --prefix <key prefix> (default "zmq-mm:"), --json.
 * Exit status: 0 listed, 1 Redis unavailable, 2 bad usage.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseTransportUrl } from "../../api/url.js";
import { serverKey, topicKey } from "../../core/target.js";
import { MessagingError } from "../../errors.js";
import { NodeClock } from "../../runtime/node/node-clock.js";
import { createRedisMatchmaker } from "./factory.js";
import type { KeyListing } from "./redis-matchmaker.js";

export type CliCommand =
  | { cmd: "hosts"; topic: string; exchange?: string; server?: string }
  | { cmd: "keys"; prefix: string }
  | { cmd: "watch" };

export interface CliArgs {
  command: CliCommand;
  url: string;
  keyPrefix?: string;
  json: boolean;
}

export const USAGE = `usage: matchmaker [--url URL] [--prefix P] [--json] <command>
  hosts <topic> [--exchange E] [--server S]   hosts registered for a topic (and its servers)
  keys [KEY-PREFIX]                           every matchmaker key with live hosts
  watch                                       print registrations and removals as they happen
URL defaults to $ZMQ_TRANSPORT_URL or zmq+redis://127.0.0.1:6379`;

/** Parses argv (without node and script); throws Error with a usage message on mistakes. */
export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliArgs {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") json = true;
    else if (a === "--url" || a === "--prefix" || a === "--exchange" || a === "--server") {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      flags.set(a.slice(2), v);
    } else if (a.startsWith("--")) throw new Error(`unknown flag ${a}`);
    else positional.push(a);
  }
  const [cmd, ...rest] = positional;
  let command: CliCommand;
  if (cmd === "hosts") {
    if (rest.length !== 1) throw new Error("hosts takes exactly one topic");
    command = {
      cmd: "hosts",
      topic: rest[0]!,
      ...(flags.has("exchange") ? { exchange: flags.get("exchange")! } : {}),
      ...(flags.has("server") ? { server: flags.get("server")! } : {}),
    };
  } else if (cmd === "keys") {
    if (rest.length > 1) throw new Error("keys takes at most one key prefix");
    command = { cmd: "keys", prefix: rest[0] ?? "" };
  } else if (cmd === "watch") {
    if (rest.length > 0) throw new Error("watch takes no arguments");
    command = { cmd: "watch" };
  } else {
    throw new Error(cmd === undefined ? "missing command" : `unknown command ${JSON.stringify(cmd)}`);
  }
  const url = flags.get("url") ?? env.ZMQ_TRANSPORT_URL ?? "zmq+redis://127.0.0.1:6379";
  return { command, url, json, ...(flags.has("prefix") ? { keyPrefix: flags.get("prefix")! } : {}) };
}

/** Keys a `hosts` command shows: the topic key and, with --server, only that server's key. */
export function selectKeys(listing: KeyListing[], c: Extract<CliCommand, { cmd: "hosts" }>): KeyListing[] {
  const target = { topic: c.topic, ...(c.exchange !== undefined ? { exchange: c.exchange } : {}) };
  if (c.server !== undefined) {
    const k = serverKey({ ...target, server: c.server });
    return listing.filter((l) => l.key === k);
  }
  const t = topicKey(target);
  return listing.filter((l) => l.key === t || l.key.startsWith(`${t}/`));
}

export function formatListing(listing: KeyListing[]): string {
  if (listing.length === 0) return "(no live registrations)";
  const lines: string[] = [];
  for (const l of listing) {
    lines.push(`${decodeURIComponent(l.key)}  (${l.hosts.length} host${l.hosts.length === 1 ? "" : "s"})`);
    for (const h of l.hosts)
      lines.push(
        `  ${h.host}  ${h.remainingMs === Infinity ? "no ttl" : `expires in ${(h.remainingMs / 1000).toFixed(1)} s`}`,
      );
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv, process.env);
    const spec = parseTransportUrl(args.url);
    if (spec.kind === "in-process")
      throw new Error("zmq:// has no shared matchmaker to list; use zmq+redis:// or zmq+sentinel://");
    const mm = await createRedisMatchmaker(
      spec,
      new NodeClock(),
      args.keyPrefix !== undefined ? { keyPrefix: args.keyPrefix } : {},
    );
    try {
      if (args.command.cmd === "watch") {
        mm.onChange((c) =>
          console.log(
            args.json
              ? JSON.stringify(c)
              : `${c.op === "+" ? "registered  " : "unregistered"} ${decodeURIComponent(c.key)}  ${c.host}`,
          ),
        );
        await new Promise<void>((resolve) => process.once("SIGINT", resolve));
        return 0;
      }
      const all = await mm.list(args.command.cmd === "keys" ? args.command.prefix : "");
      const shown = args.command.cmd === "hosts" ? selectKeys(all, args.command) : all;
      console.log(
        args.json
          ? JSON.stringify(
              shown.map((l) => ({
                key: l.key,
                hosts: l.hosts.map((h) => ({
                  host: h.host,
                  remainingMs: h.remainingMs === Infinity ? null : h.remainingMs,
                })),
              })),
            )
          : formatListing(shown),
      );
      return 0;
    } finally {
      await mm.close();
    }
  } catch (err) {
    if (err instanceof MessagingError && err.code === "MatchmakerUnavailable") {
      console.error(`matchmaker unavailable: ${err.message}`);
      return 1;
    }
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
