/**
 * The proxy process (spec/proxy.md):
 *
 *   npm run proxy -- --url zmq+redis://host:6379 [--host 127.0.0.1] [--advertise-host H]
 *                    [--frontend-port N] [--backend-port N] [--drain-ms 1000] [--stats-ms 0]
 *
 * Binds its frontend (clients) and backend (servers) ROUTERs, registers both in the
 * matchmaker with a TTL like servers do, prints one line containing "ready" with its
 * addresses, and on SIGTERM or SIGINT deregisters, keeps forwarding for --drain-ms,
 * closes and exits 0. Exit status: 0 stopped, 1 could not start, 2 bad usage.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startProxy } from "../api/proxy-process.js";
import { exitWhenFlushed, intOption, parseCommandLine, UsageError } from "./command-line.js";

export const PROXY_USAGE = `usage: npm run proxy -- --url URL [options]

Runs one proxy of proxy routing mode (DriverOptions.routing = "proxy"; spec/proxy.md).

  --url URL            the matchmaker: zmq+redis://host:port or zmq+sentinel://... (default $ZMQ_TRANSPORT_URL)
  --host H             interface both sockets bind (default 127.0.0.1)
  --advertise-host H   host written into the registered addresses (default: --host)
  --frontend-port N    the clients' port (default: random)
  --backend-port N     the servers' port (default: random)
  --drain-ms N         forwarding after deregistering, on SIGTERM/SIGINT (default 1000)
  --stats-ms N         print the counters every N ms (default 0: never)
  -h, --help           this help`;

export interface ProxyArgs {
  url: string;
  host: string;
  advertiseHost?: string;
  frontendPort: number;
  backendPort: number;
  drainMs: number;
  statsMs: number;
}

export function parseProxyArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ProxyArgs | "help" {
  const { values } = parseCommandLine(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: "string" },
        host: { type: "string" },
        "advertise-host": { type: "string" },
        "frontend-port": { type: "string" },
        "backend-port": { type: "string" },
        "drain-ms": { type: "string" },
        "stats-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (values.help) return "help";
  const url = values.url ?? env.ZMQ_TRANSPORT_URL;
  if (url === undefined) throw new UsageError("--url is required (or $ZMQ_TRANSPORT_URL)");
  return {
    url,
    host: values.host ?? "127.0.0.1",
    ...(values["advertise-host"] !== undefined ? { advertiseHost: values["advertise-host"] } : {}),
    frontendPort: intOption("--frontend-port", values["frontend-port"], 0) ?? 0,
    backendPort: intOption("--backend-port", values["backend-port"], 0) ?? 0,
    drainMs: intOption("--drain-ms", values["drain-ms"], 0) ?? 1000,
    statsMs: intOption("--stats-ms", values["stats-ms"], 0) ?? 0,
  };
}

/** The proxy on this process's command line (process.argv.slice(2)); `npm run proxy` (scripts/run-compiled.mjs) calls it. */
export async function main(): Promise<void> {
  let args: ProxyArgs | "help";
  try {
    args = parseProxyArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${PROXY_USAGE}\n`);
    return exitWhenFlushed(2);
  }
  if (args === "help") {
    process.stdout.write(`${PROXY_USAGE}\n`);
    return exitWhenFlushed(0);
  }
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    proxy = await startProxy(
      args.url,
      {
        bindAddress: args.host,
        advertiseHost: args.advertiseHost ?? args.host,
        frontendPort: args.frontendPort,
        backendPort: args.backendPort,
        drainMs: args.drainMs,
      },
      { bindAddress: args.host },
    );
  } catch (err) {
    process.stderr.write(`proxy: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return exitWhenFlushed(1);
  }
  const { frontend, backend } = proxy.addresses;
  process.stdout.write(`proxy ready frontend=${frontend} backend=${backend} pid=${process.pid}\n`);
  const drainMs = args.drainMs;
  if (args.statsMs > 0) proxy.every(args.statsMs, () => process.stdout.write(`${JSON.stringify(proxy.shell.stats)}\n`));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`proxy stopping (${signal}): deregistered, draining ${drainMs} ms\n`);
    void proxy.stop().then(
      () => {
        process.stdout.write(`proxy stopped ${JSON.stringify(proxy.shell.stats)}\n`);
        return exitWhenFlushed(0);
      },
      (err: unknown) => {
        process.stderr.write(`proxy: stop failed: ${String(err)}\n`);
        return exitWhenFlushed(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main();
