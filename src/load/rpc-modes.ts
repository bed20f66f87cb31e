/**
 * The rpc-server and rpc-client modes of the load tool (spec/load.md, "Modes"): a server
 * with the `load` and `load_stats` methods, and a client that sends calls or casts
 * (fanout ones too) through the sending loop, then, for casts, asks the servers what
 * they received.
 */
import { getRpcServer, type RpcServer } from "../api/rpc-server.js";
import { RpcClient } from "../api/rpc-client.js";
import { type Transport, transportInternals } from "../api/transport.js";
import { sendKey, type Target } from "../core/target.js";
import { randomId } from "../ports/rng.js";
import { redactUrl } from "../core/redact.js";
import { type LoopConfig, runClientLoop } from "./client-loop.js";
import type { ClientHooks, LoadConfig } from "./load-config.js";
import { preparePayloads, sizeSampler } from "./message-sizes.js";
import { buildReport, type LoadReport } from "./run-stats.js";
import { SplitMixRng } from "./seeded-rng.js";
import { pollServerCounts } from "./server-poll.js";
import { LOAD_METHOD, RunCounts, STATS_METHOD, type LoadMessage } from "./server-counts.js";
import type { ReportParams } from "./report-params.js";

export interface RunningLoadServer {
  readonly name: string;
  /** Addresses its sockets registered. */
  readonly hosts: readonly string[];
  readonly counts: RunCounts;
  stop(): Promise<void>;
}

/** The endpoint of the control method, shared by both server modes. */
export function statsEndpoint(name: string, counts: RunCounts): object {
  return { [STATS_METHOD]: (_ctx: unknown, args: { run?: unknown }) => counts.answer(name, args?.run) };
}

export async function startRpcServerMode(
  transport: Transport,
  cfg: LoadConfig,
  name: string,
): Promise<RunningLoadServer> {
  const counts = new RunCounts();
  const target: Target = {
    topic: cfg.topic,
    server: name,
    ...(cfg.exchange !== undefined ? { exchange: cfg.exchange } : {}),
  };
  const endpoint = {
    [LOAD_METHOD]: (_ctx: unknown, args: Partial<LoadMessage>) => {
      counts.add(args);
      return args?.seq ?? null;
    },
    ...statsEndpoint(name, counts),
  };
  const server: RpcServer = getRpcServer(transport, target, [endpoint]);
  await server.start();
  return {
    name,
    hosts: server.host !== undefined ? [server.host] : [],
    counts,
    stop: () => server.stop(),
  };
}

/** The payloads of a client run: `min(count, 1000)` messages of the configured sizes, from the seed. */
export function clientPayloads(cfg: LoadConfig): string[] {
  const rng = new SplitMixRng(cfg.seed);
  return preparePayloads(sizeSampler(cfg.sizes, rng), rng, cfg.count ?? Number.POSITIVE_INFINITY);
}

/** What every client mode's loop takes from the configuration and the hooks: all but its send and its latency switch. */
export function loopSettings(
  cfg: LoadConfig,
  clock: LoopConfig["clock"],
  hooks: ClientHooks,
): Omit<LoopConfig, "send" | "measureLatency"> {
  return {
    clock,
    concurrency: cfg.concurrency,
    ...(cfg.count !== undefined ? { count: cfg.count } : {}),
    ...(cfg.durationMs !== undefined ? { durationMs: cfg.durationMs } : {}),
    payloads: clientPayloads(cfg),
    ...(hooks.progress ? { progress: hooks.progress } : {}),
    ...(hooks.stopped ? { stopped: hooks.stopped } : {}),
  };
}

export async function runRpcClientMode(
  transport: Transport,
  cfg: LoadConfig,
  params: ReportParams,
  hooks: ClientHooks = {},
): Promise<LoadReport> {
  const { clock, rng, matchmaker } = transportInternals(transport).deps;
  const run = randomId(rng);
  const base: Target = {
    topic: cfg.topic,
    ...(cfg.exchange !== undefined ? { exchange: cfg.exchange } : {}),
    ...(cfg.server !== undefined ? { server: cfg.server } : {}),
  };
  const control = new RpcClient(transport, base, { timeoutMs: cfg.timeoutMs });
  const client = cfg.fanout ? control.prepare({ fanout: true }) : control;
  const rec = await runClientLoop({
    ...loopSettings(cfg, clock, hooks),
    measureLatency: !cfg.cast,
    send: (seq, payload) => {
      const msg: LoadMessage = { run, seq, payload };
      return cfg.cast ? client.cast({}, LOAD_METHOD, { ...msg }) : client.call({}, LOAD_METHOD, { ...msg });
    },
  });
  const head = { mode: cfg.mode, url: redactUrl(cfg.url), params };
  if (!cfg.cast) return buildReport(rec, head);
  hooks.onCounting?.();
  const key = sendKey(base);
  const polled = await pollServerCounts({
    clock,
    run,
    serverCount: async () => (await matchmaker.getHosts(key)).length,
    ask: (method, args) => control.call({}, method, args),
    expected: rec.sent,
    ...(cfg.fanout ? { expectedPerServer: rec.sent } : {}),
    settleMs: cfg.settleMs,
  });
  const expected = cfg.fanout ? rec.sent * polled.listed : rec.sent;
  return buildReport(rec, head, { expected, received: polled.received, servers: polled.servers });
}
