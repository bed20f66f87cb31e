/**
 * The command line of `npm run load` (spec/load.md, "Options"): the usage text,
 * and parseLoadArgs, which turns argv into a LoadArgs or throws UsageError (exit 2). Which
 * options a mode takes is a table (MODE_OPTIONS): an option another mode takes is a usage
 * error, not silently ignored.
 */
import { parseArgs } from "node:util";
import { givenOptions, intOption, parseCommandLine, UsageError } from "./command-line.js";
import { type LoadConfig, type LoadMode, MODES } from "../load/load-config.js";

export const LOAD_USAGE = `usage: npm run load -- <mode> --url URL [options]

A load generator in the spirit of oslo.messaging's tools/simulator.py (spec/load.md).
Run servers and clients as separate processes on one matchmaker:

  rpc-server      answers the client's calls and casts; prints "ready" when registered
  rpc-client      sends calls (or --cast, --fanout casts) and reports what came back
  notify-server   a notification listener; prints "ready" when registered
  notify-client   publishes notifications (priority info) and reports what arrived

Servers print what they received on SIGTERM/SIGINT and exit 0. A client asks the servers
how many of its casts or notifications they received (a "load_stats" RPC) to count the lost.

Common options:
  --url URL            zmq+redis://host:port, zmq+sentinel://host:port/master, … (default $ZMQ_TRANSPORT_URL);
                       zmq:// works only inside one process, so it cannot connect separate processes
  --topic T            target topic (default load)
  --server NAME        servers: this server's name (default load-<pid>); rpc-client: call only that server
  --json               print the report (clients) or the counts (servers) as one JSON line on stdout
  -h, --help           this help

rpc-server, rpc-client:
  --exchange E         target exchange (default: the driver's, openstack; notifications always use it)

notify-server:
  --pool NAME          listen in a pool shared with other notify-servers (default: a pool of its own)

Clients (rpc-client, notify-client):
  --concurrency N      messages in flight (default 16)
  --count N            messages to send (default 1000 unless --duration-ms)
  --duration-ms N      send for N ms instead of a count
  --timeout-ms N       timeout of each call, cast or notification (default 10000)
  --size BYTES         every payload BYTES long
  --sizes oslo         payload sizes from oslo's messages_length.yaml (501..11500 bytes; the default)
  --seed N             seed of the sizes and payloads (default 1)
  --settle-ms N        casts, notifications: wait up to N ms for the servers' counts to stop changing (default 2000)
  --svg FILE           write a chart of the run (msgs/s, latency p50/p99 per second)
  --progress           progress on stderr: a bar on a terminal, a line a second otherwise (the default)
  --no-progress        no progress output

rpc-client:
  --cast               casts instead of calls (no replies; the servers' counts say what arrived)
  --fanout             fanout casts: every server of the topic gets each one (implies --cast)

Exit status: 0 done (messages may have been lost: read the report), 1 could not run, 2 bad usage.
`;

/** Options each mode takes (long names), beyond url, topic, server, json and help. */
/** The options both client modes take. */
const CLIENT_OPTIONS = [
  "concurrency",
  "count",
  "duration-ms",
  "timeout-ms",
  "size",
  "sizes",
  "seed",
  "settle-ms",
  "svg",
  "progress",
  "no-progress",
];
const MODE_OPTIONS: Record<LoadMode, readonly string[]> = {
  "rpc-server": ["exchange"],
  "notify-server": ["pool"],
  "rpc-client": ["exchange", ...CLIENT_OPTIONS, "cast", "fanout"],
  "notify-client": CLIENT_OPTIONS,
};
const COMMON = ["url", "topic", "server", "json", "help"];

export type LoadArgs = LoadConfig;

export function parseLoadArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LoadArgs | "help" {
  const { values, positionals, tokens } = parseCommandLine(() =>
    parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      tokens: true,
      options: {
        url: { type: "string" },
        topic: { type: "string" },
        exchange: { type: "string" },
        server: { type: "string" },
        pool: { type: "string" },
        json: { type: "boolean" },
        concurrency: { type: "string" },
        count: { type: "string" },
        "duration-ms": { type: "string" },
        "timeout-ms": { type: "string" },
        size: { type: "string" },
        sizes: { type: "string" },
        seed: { type: "string" },
        "settle-ms": { type: "string" },
        svg: { type: "string" },
        progress: { type: "boolean" },
        "no-progress": { type: "boolean" },
        cast: { type: "boolean" },
        fanout: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (values.help) return "help";
  if (positionals.length === 0) throw new UsageError(`a mode is required: ${MODES.join(", ")}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
  const mode = positionals[0] as LoadMode;
  if (!MODES.includes(mode)) throw new UsageError(`unknown mode ${positionals[0]}; modes: ${MODES.join(", ")}`);
  const allowed = new Set([...COMMON, ...MODE_OPTIONS[mode]]);
  for (const name of givenOptions(tokens))
    if (!allowed.has(name)) throw new UsageError(`${mode} does not take --${name}`);
  const url = values.url ?? env.ZMQ_TRANSPORT_URL;
  if (url === undefined || url === "") throw new UsageError("--url is required (or $ZMQ_TRANSPORT_URL)");
  if (values.topic === "") throw new UsageError("--topic needs a non-empty name");
  if (values.size !== undefined && values.sizes !== undefined)
    throw new UsageError("--size and --sizes exclude each other");
  if (values.sizes !== undefined && values.sizes !== "oslo")
    throw new UsageError(`--sizes takes only "oslo", got ${values.sizes}`);
  if (values.count !== undefined && values["duration-ms"] !== undefined)
    throw new UsageError("--count and --duration-ms exclude each other");
  if (values.progress && values["no-progress"]) throw new UsageError("--progress and --no-progress exclude each other");
  const size = intOption("--size", values.size, 0);
  const durationMs = intOption("--duration-ms", values["duration-ms"], 1);
  const count = intOption("--count", values.count, 1) ?? (durationMs === undefined ? 1000 : undefined);
  return {
    mode,
    url,
    topic: values.topic ?? "load",
    ...(values.exchange !== undefined ? { exchange: values.exchange } : {}),
    ...(values.server !== undefined ? { server: values.server } : {}),
    ...(values.pool !== undefined ? { pool: values.pool } : {}),
    json: values.json === true,
    concurrency: intOption("--concurrency", values.concurrency, 1) ?? 16,
    ...(count !== undefined ? { count } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    timeoutMs: intOption("--timeout-ms", values["timeout-ms"], 1) ?? 10_000,
    sizes: size !== undefined ? { kind: "fixed", bytes: size } : { kind: "oslo" },
    seed: intOption("--seed", values.seed, 0) ?? 1,
    settleMs: intOption("--settle-ms", values["settle-ms"], 0) ?? 2000,
    ...(values.svg !== undefined ? { svg: values.svg } : {}),
    progress: values["no-progress"] !== true,
    cast: values.cast === true || values.fanout === true,
    fanout: values.fanout === true,
  };
}
