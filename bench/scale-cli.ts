/**
 * The options of the scale benchmark (`npm run bench:scale`, bench/scale.ts) and the names
 * its processes share: how many client processes and servers, how the servers are spread
 * over processes, how many proxies, how many calls each client makes.
 */
import { parseArgs } from "node:util";
import { intOption, parseCommandLine, UsageError } from "../src/cli/command-line.js";

export const SCALE_USAGE = `usage: npm run bench:scale -- [options]

Starts a private redis-server on 127.0.0.1, then, for each routing mode (direct, then
proxy), RPC servers in a few processes and one process per client; every client calls
every server once (so direct mode opens its clients x servers connections), then all
clients run a loop of calls at the same time, then the first client runs it again alone.
Counts the established TCP connections, file descriptors and RSS of the run's processes
(from /proc), and calls/s and latency of both loops.

  --clients N            client processes (default 50)
  --servers N            RPC servers, distinct server names on one topic (default 50)
  --server-processes N   processes the servers are spread over (default: servers / 10, at least 1)
  --proxies N            proxies in proxy mode, each a process of its own (default 2)
  --calls-per-client N   calls of each client's loop, after the warm-up (default 200)
  --concurrency N        calls in flight per client during the loop (default 1)
  --start-batch N        client processes started at once (default 5)
  --modes LIST           direct,proxy (default both)
  --no-acks              run without DriverOptions.acks (default: acks on, in both modes)
  --timeout-ms N         a call's timeout (default 60000)
  --heartbeat-interval-ms N   DriverOptions.heartbeatIntervalMs of every process, 0: off (default: the driver's, 1000)
  --json                 also print one JSON object, the last stdout line
  -h, --help             this help
`;

export const MODES = ["direct", "proxy"] as const;
export type ScaleMode = (typeof MODES)[number];

export interface ScaleArgs {
  clients: number;
  servers: number;
  serverProcesses: number;
  proxies: number;
  callsPerClient: number;
  concurrency: number;
  startBatch: number;
  modes: ScaleMode[];
  acks: boolean;
  timeoutMs: number;
  /** DriverOptions.heartbeatIntervalMs of clients and servers; absent: the driver's default. */
  heartbeatIntervalMs?: number;
  json: boolean;
}

/** Parses the command line; "help" for --help; throws UsageError on a mistake. */
export function parseScaleArgs(argv: string[]): ScaleArgs | "help" {
  const { values } = parseCommandLine(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        clients: { type: "string" },
        servers: { type: "string" },
        "server-processes": { type: "string" },
        proxies: { type: "string" },
        "calls-per-client": { type: "string" },
        concurrency: { type: "string" },
        "start-batch": { type: "string" },
        modes: { type: "string" },
        "no-acks": { type: "boolean" },
        "timeout-ms": { type: "string" },
        "heartbeat-interval-ms": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (values.help) return "help";
  const servers = intOption("--servers", values.servers, 1) ?? 50;
  const serverProcesses =
    intOption("--server-processes", values["server-processes"], 1) ?? Math.max(1, Math.round(servers / 10));
  if (serverProcesses > servers)
    throw new UsageError(`--server-processes (${serverProcesses}) exceeds --servers (${servers})`);
  const modes = (values.modes ?? MODES.join(",")).split(",").map((m) => m.trim());
  for (const m of modes)
    if (!(MODES as readonly string[]).includes(m)) throw new UsageError(`--modes takes direct and proxy, got ${m}`);
  const heartbeatIntervalMs = intOption("--heartbeat-interval-ms", values["heartbeat-interval-ms"], 0);
  return {
    clients: intOption("--clients", values.clients, 1) ?? 50,
    servers,
    serverProcesses,
    proxies: intOption("--proxies", values.proxies, 1) ?? 2,
    callsPerClient: intOption("--calls-per-client", values["calls-per-client"], 0) ?? 200,
    concurrency: intOption("--concurrency", values.concurrency, 1) ?? 1,
    startBatch: intOption("--start-batch", values["start-batch"], 1) ?? 5,
    modes: [...new Set(modes)] as ScaleMode[],
    acks: !values["no-acks"],
    timeoutMs: intOption("--timeout-ms", values["timeout-ms"], 1) ?? 60_000,
    ...(heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs } : {}),
    json: values.json === true,
  };
}

/** The topic every server of a run listens on. */
export const SCALE_TOPIC = "scale";

/** The server name of server `i` (0-based). */
export function serverName(i: number): string {
  return `srv-${String(i).padStart(3, "0")}`;
}

/** How `servers` servers are spread over `processes` processes: the indices of each, as even as can be. */
export function spreadServers(servers: number, processes: number): number[][] {
  const out: number[][] = Array.from({ length: processes }, () => []);
  for (let i = 0; i < servers; i++) out[i % processes]!.push(i);
  return out;
}
