/**
 * npm run top: a live view of a cluster from its Redis matchmaker (spec/observability.md,
 * "Published server stats"). Every interval it reads the matchmaker's keys (topics,
 * servers, TTL left) and the stats servers publish (DriverOptions.statsPublishIntervalMs),
 * and prints one screen: per topic its servers, calls/s and p99 between the last two
 * samples.
 *
 *   npm run top -- [--url URL] [--prefix P] [--interval-ms 1000] [--iterations N | --once]
 *
 * Exit status: 0, 1 Redis unavailable, 2 bad usage.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parseTransportUrl } from "../../api/url.js";
import {
  exitQuietlyWhenStdoutCloses,
  exitWhenFlushed,
  intOption,
  parseCommandLine,
  UsageError,
} from "../../cli/command-line.js";
import { MessagingError } from "../../errors.js";
import { NodeClock } from "../../runtime/node/node-clock.js";
import { createRedisMatchmaker } from "./factory.js";
import type { RedisMatchmaker } from "./redis-matchmaker.js";
import { formatTop, parseStats, topRows, type TopSample } from "./top-view.js";

export const TOP_USAGE = `usage: npm run top -- [--url URL] [--prefix P] [--interval-ms MS] [--iterations N | --once]

A live view of a cluster: topics, servers with the TTL left on their registrations,
calls/s and p99 per topic and server (from the stats servers publish when
DriverOptions.statsPublishIntervalMs is set). Refreshed every interval until Ctrl-C.
  --url URL          zmq+redis://host:port or zmq+sentinel://... (default: $ZMQ_TRANSPORT_URL,
                     else zmq+redis://127.0.0.1:6379)
  --prefix P         the matchmaker's Redis key prefix (default "zmq-mm:")
  --interval-ms MS   time between samples (default 1000)
  --iterations N     print N screens, then exit
  --once             one screen (after two samples one interval apart), then exit
  -h, --help         this help
Exit status: 0, 1 Redis unavailable, 2 bad usage.`;

export interface TopArgs {
  url: string;
  keyPrefix?: string;
  intervalMs: number;
  iterations: number | undefined;
}

export function parseTopArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): TopArgs {
  const { values, positionals } = parseCommandLine(() =>
    parseArgs({
      args: [...argv],
      options: {
        url: { type: "string" },
        prefix: { type: "string" },
        "interval-ms": { type: "string" },
        iterations: { type: "string" },
        once: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    }),
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.once && values.iterations !== undefined)
    throw new UsageError("--once and --iterations exclude each other");
  return {
    url: values.url ?? env.ZMQ_TRANSPORT_URL ?? "zmq+redis://127.0.0.1:6379",
    ...(values.prefix !== undefined ? { keyPrefix: values.prefix } : {}),
    intervalMs: intOption("--interval-ms", values["interval-ms"], 1) ?? 1000,
    iterations: values.once ? 1 : intOption("--iterations", values.iterations, 1),
  };
}

/** HH:MM:SS of an epoch time, UTC. */
function utcTime(epochMs: number): string {
  const s = Math.floor(epochMs / 1000) % 86_400;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

async function sample(mm: RedisMatchmaker): Promise<TopSample> {
  const [listing, entries] = await Promise.all([mm.list(), mm.readStats()]);
  return { listing, stats: parseStats(entries) };
}

async function main(argv: string[]): Promise<number> {
  let mm: RedisMatchmaker | undefined;
  try {
    if (argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(`${TOP_USAGE}\n`);
      return 0;
    }
    const args = parseTopArgs(argv, process.env);
    const spec = parseTransportUrl(args.url);
    if (spec.kind === "in-process")
      throw new UsageError("zmq:// has no shared matchmaker; use zmq+redis:// or zmq+sentinel://");
    const clock = new NodeClock();
    mm = await createRedisMatchmaker(spec, clock, args.keyPrefix !== undefined ? { keyPrefix: args.keyPrefix } : {});
    let stop = false;
    process.once("SIGINT", () => {
      stop = true;
    });
    const wait = () => new Promise<void>((r) => clock.setTimer(args.intervalMs, () => r()));
    let before = await sample(mm);
    const tty = process.stdout.isTTY === true;
    for (let i = 0; !stop && (args.iterations === undefined || i < args.iterations); i++) {
      await wait();
      const now = await sample(mm);
      const header = `zmq top  ${mm.describe}  every ${args.intervalMs} ms  ${utcTime(clock.epochMs())} UTC`;
      process.stdout.write(`${tty ? "\u001b[2J\u001b[H" : ""}${formatTop(topRows(before, now), header)}\n`);
      before = now;
    }
    return 0;
  } catch (err) {
    if (err instanceof MessagingError && err.code === "MatchmakerUnavailable") {
      console.error(`matchmaker unavailable: ${err.message}`);
      return 1;
    }
    console.error(`${(err as Error).message}\n${TOP_USAGE}`);
    return 2;
  } finally {
    await mm?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  exitQuietlyWhenStdoutCloses();
  void main(process.argv.slice(2)).then(exitWhenFlushed);
}
