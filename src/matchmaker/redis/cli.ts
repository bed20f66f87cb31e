/**
 * matchmaker CLI: lists what the Redis matchmaker knows.
 *
 *   npm run matchmaker -- hosts <topic> [--exchange <e>] [--server <s>]   hosts of a topic and its servers
 *   npm run matchmaker -- keys [<key-prefix>]                             every key with live hosts
 *   npm run matchmaker -- watch                                           print change messages as they come
 *   npm run matchmaker -- acl [<user>]                                    the ACL SETUSER a matchmaker user needs
 *
 * Common flags: --url <zmq+redis(s)://...|zmq+sentinel(s)://...> (default $ZMQ_TRANSPORT_URL
 * or zmq+redis://127.0.0.1:6379), --password-file, --tls-ca/--tls-cert/--tls-key (PEM
 * files), --tls-servername, --prefix <key prefix> (default "zmq-mm:"), --json, and --help
 * (`<command> --help` for one command's). Passwords are never printed: errors show the URL
 * redacted (core/redact.ts).
 * Exit status: 0 listed, 1 Redis unavailable (or refused us), 2 bad usage.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parseTransportUrl } from "../../api/url.js";
import {
  exitQuietlyWhenStdoutCloses,
  exitWhenFlushed,
  givenOptions,
  parseCommandLine,
  UsageError,
} from "../../cli/command-line.js";
import { Secret } from "../../core/redact.js";
import { DEFAULT_EXCHANGE, serverKey, topicKey } from "../../core/target.js";
import { MessagingError } from "../../errors.js";
import { NodeClock } from "../../runtime/node/node-clock.js";
import { aclRules } from "./acl.js";
import { createRedisMatchmaker } from "./factory.js";
import type { RedisMatchmakerOptions } from "./options.js";
import type { KeyListing } from "./redis-matchmaker.js";

export type CliCommand =
  | { cmd: "hosts"; topic: string; exchange?: string; server?: string }
  | { cmd: "keys"; prefix: string }
  | { cmd: "watch" }
  | { cmd: "acl"; user: string };

/** TLS files (PEM paths) and the name to check the server certificate against. */
export interface CliTls {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

export interface CliArgs {
  command: CliCommand;
  url: string;
  keyPrefix?: string;
  json: boolean;
  passwordFile?: string;
  tls?: CliTls;
}

const COMMON = `options (before or after the command):
  --url URL      zmq+redis://[[user]:password@]host:port[/db] or
                 zmq+sentinel://host:port[,host:port]/<master>; zmq+rediss:// and
                 zmq+sentinels:// use TLS (default: $ZMQ_TRANSPORT_URL, else
                 zmq+redis://127.0.0.1:6379). A password on the command line is visible
                 to other users (ps): prefer $ZMQ_TRANSPORT_URL or --password-file
  --password-file F  the Redis password: the first line of file F (replaces the URL's;
                 an ACL user goes in the URL as zmq+redis://user:@host)
  --tls-ca F     PEM file of the CA that signed the Redis certificate
  --tls-cert F   PEM client certificate (Redis with tls-auth-clients yes)
  --tls-key F    PEM key of the client certificate
  --tls-servername N  the name the server certificate must carry (default: the URL's host)
  --prefix P     the matchmaker's Redis key prefix (default "zmq-mm:")
  --json         machine-readable output
  -h, --help     this help`;

export const USAGE = `usage: npm run matchmaker -- [--url URL] [--prefix P] [--json] <command> [arguments]

Lists what the Redis matchmaker knows. Exit status: 0 listed, 1 Redis unavailable, 2 bad usage.

commands (<command> --help for one):
  hosts <topic> [--exchange E] [--server S]   hosts registered for a topic (and its servers)
  keys [KEY-PREFIX]                           every matchmaker key with live hosts
  watch                                       print registrations and removals as they happen
  acl [USER]                                  the ACL SETUSER command a matchmaker user needs

${COMMON}`;

/** Each command's help and the options of its own (the common ones apply to all). */
const COMMANDS = {
  hosts: {
    own: ["exchange", "server"],
    help: `usage: npm run matchmaker -- hosts <topic> [--exchange E] [--server S] [--url URL] [--prefix P] [--json]

Lists the hosts registered for <topic>: its topic key and each of its server keys, every
host with the time left on its registration's TTL.
  --exchange E   the topic's exchange (default "${DEFAULT_EXCHANGE}")
  --server S     only that server's key`,
  },
  keys: {
    own: [],
    help: `usage: npm run matchmaker -- keys [KEY-PREFIX] [--url URL] [--prefix P] [--json]

Lists every matchmaker key that has live hosts (only those starting with KEY-PREFIX, e.g.
"openstack/compute"), each with its hosts and the time left on their TTLs.`,
  },
  watch: {
    own: [],
    help: `usage: npm run matchmaker -- watch [--url URL] [--prefix P] [--json]

Prints each registration and removal as the matchmaker announces it, until interrupted
(Ctrl-C).`,
  },
  acl: {
    own: [],
    help: `usage: npm run matchmaker -- acl [USER] [--prefix P] [--url URL]

Prints the ACL SETUSER command that creates USER (default "zmq-matchmaker") with exactly
what the matchmaker needs: its keys and change channel under the key prefix, the scripts
and the commands they call, SUBSCRIBE and INFO (+select when the URL names a database
other than 0). Replace <password>; nothing is sent to Redis.`,
  },
} as const satisfies Record<CliCommand["cmd"], { own: readonly string[]; help: string }>;

const OPTIONS = {
  url: { type: "string" },
  prefix: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  exchange: { type: "string" },
  server: { type: "string" },
  "password-file": { type: "string" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-servername": { type: "string" },
} as const;

function scan(argv: readonly string[]) {
  return parseCommandLine(() =>
    parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true, tokens: true }),
  );
}

const isCommand = (name: string | undefined): name is CliCommand["cmd"] =>
  name !== undefined && Object.hasOwn(COMMANDS, name);

/**
 * The help to print when argv asks for it (--help or -h, anywhere): the command's own when
 * argv names one, else the whole usage; undefined when argv does not ask. Throws
 * UsageError on an unknown option.
 */
export function helpFor(argv: readonly string[]): string | undefined {
  const { values, positionals } = scan(argv);
  if (!values.help) return undefined;
  const cmd = positionals[0];
  return isCommand(cmd) ? `${COMMANDS[cmd].help}\n\n${COMMON}\n` : `${USAGE}\n`;
}

/** Parses argv (without node and script); throws UsageError naming the mistake. */
export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliArgs {
  const { values, positionals, tokens } = scan(argv);
  const [cmd, ...rest] = positionals;
  if (!isCommand(cmd))
    throw new UsageError(cmd === undefined ? "missing command" : `unknown command ${JSON.stringify(cmd)}`);
  const own: readonly string[] = COMMANDS[cmd].own;
  const foreign = givenOptions(tokens).filter((n) => (n === "exchange" || n === "server") && !own.includes(n));
  if (foreign.length > 0) throw new UsageError(`--${foreign[0]} applies to hosts only, not to ${cmd}`);
  let command: CliCommand;
  if (cmd === "hosts") {
    if (rest.length !== 1) throw new UsageError("hosts takes exactly one topic");
    command = {
      cmd: "hosts",
      topic: rest[0]!,
      ...(values.exchange !== undefined ? { exchange: values.exchange } : {}),
      ...(values.server !== undefined ? { server: values.server } : {}),
    };
  } else if (cmd === "acl") {
    if (rest.length > 1) throw new UsageError("acl takes at most one user name");
    command = { cmd: "acl", user: rest[0] ?? "zmq-matchmaker" };
  } else if (cmd === "keys") {
    if (rest.length > 1) throw new UsageError("keys takes at most one key prefix");
    command = { cmd: "keys", prefix: rest[0] ?? "" };
  } else {
    if (rest.length > 0) throw new UsageError("watch takes no arguments");
    command = { cmd: "watch" };
  }
  const url = values.url ?? env.ZMQ_TRANSPORT_URL ?? "zmq+redis://127.0.0.1:6379";
  const tls: CliTls = {
    ...(values["tls-ca"] !== undefined ? { ca: values["tls-ca"] } : {}),
    ...(values["tls-cert"] !== undefined ? { cert: values["tls-cert"] } : {}),
    ...(values["tls-key"] !== undefined ? { key: values["tls-key"] } : {}),
    ...(values["tls-servername"] !== undefined ? { servername: values["tls-servername"] } : {}),
  };
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw new UsageError("--tls-cert and --tls-key go together");
  return {
    command,
    url,
    json: values.json === true,
    ...(values.prefix !== undefined ? { keyPrefix: values.prefix } : {}),
    ...(values["password-file"] !== undefined ? { passwordFile: values["password-file"] } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
}

/** The command that creates a matchmaker ACL user (the `acl` command's output). */
export function aclCommand(user: string, keyPrefix = "zmq-mm:", db = 0): string {
  return `ACL SETUSER ${user} on ><password> ${aclRules(keyPrefix, db).join(" ")}`;
}

/** The TLS options the files name, read (RedisMatchmakerOptions.tls). */
function tlsOptions(t: CliTls): RedisMatchmakerOptions["tls"] {
  return {
    ...(t.ca !== undefined ? { ca: readFileSync(t.ca) } : {}),
    ...(t.cert !== undefined ? { cert: readFileSync(t.cert) } : {}),
    ...(t.key !== undefined ? { key: readFileSync(t.key) } : {}),
    ...(t.servername !== undefined ? { servername: t.servername } : {}),
  };
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
    const help = helpFor(argv);
    if (help !== undefined) {
      process.stdout.write(help);
      return 0;
    }
    args = parseCliArgs(argv, process.env);
    const parsed = parseTransportUrl(args.url);
    if (args.command.cmd === "acl") {
      console.log(aclCommand(args.command.user, args.keyPrefix, parsed.kind === "in-process" ? 0 : parsed.db));
      return 0;
    }
    if (parsed.kind === "in-process")
      throw new Error("zmq:// has no shared matchmaker to list; use zmq+redis:// or zmq+sentinel://");
    const spec =
      args.passwordFile === undefined
        ? parsed
        : { ...parsed, password: new Secret(readFileSync(args.passwordFile, "utf8").split(/\r?\n/)[0]!) };
    const mm = await createRedisMatchmaker(spec, new NodeClock(), {
      ...(args.keyPrefix !== undefined ? { keyPrefix: args.keyPrefix } : {}),
      ...(args.tls !== undefined ? { tls: tlsOptions(args.tls) } : {}),
    });
    try {
      if (args.command.cmd === "watch") {
        // On stderr, so that --json output stays one JSON object a line (tests wait for it).
        console.error(`watching ${mm.describe} (Ctrl-C to stop)`);
        mm.onChange((c) =>
          console.log(
            args.json
              ? JSON.stringify(c)
              : `${c.op === "+" ? "registered  " : "unregistered"} ${decodeURIComponent(c.key)}  ${c.host}`,
          ),
        );
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
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
  exitQuietlyWhenStdoutCloses();
  void main(process.argv.slice(2)).then(exitWhenFlushed);
}
