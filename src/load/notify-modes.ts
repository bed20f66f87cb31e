/**
 * The notify-server and notify-client modes of the load tool (spec/load.md, "Modes"): a
 * notification listener counting what arrives per run, with a control RPC server
 * (`load_stats` on topic `load-control.<topic>`, since a notification topic has no RPC
 * servers); and a client publishing notifications of priority info through the sending
 * loop, then asking the servers what they received.
 */
import { getNotificationListener } from "../api/notification-listener.js";
import { Notifier } from "../api/notifier.js";
import { RpcClient } from "../api/rpc-client.js";
import { getRpcServer } from "../api/rpc-server.js";
import { type Transport, transportInternals } from "../api/transport.js";
import { redactUrl } from "../core/redact.js";
import { sendKey } from "../core/target.js";
import { randomId } from "../ports/rng.js";
import { runClientLoop } from "./client-loop.js";
import type { ClientHooks, LoadConfig } from "./load-config.js";
import type { ReportParams } from "./report-params.js";
import { loopSettings, type RunningLoadServer, statsEndpoint } from "./rpc-modes.js";
import { buildReport, type LoadReport } from "./run-stats.js";
import { controlTopic, type LoadMessage, RunCounts } from "./server-counts.js";
import { pollServerCounts } from "./server-poll.js";

/** The event type of load notifications. */
export const LOAD_EVENT_TYPE = "load.message";

/** Drops the driver's warnings (a load run would print one per unrouted notification); they are counted instead. */
const quiet = { warn(): void {} };

export async function startNotifyServerMode(
  transport: Transport,
  cfg: LoadConfig,
  name: string,
): Promise<RunningLoadServer> {
  const counts = new RunCounts();
  const endpoint = {
    info(_ctx: unknown, _publisher: unknown, _eventType: unknown, payload: unknown) {
      counts.add(payload);
    },
  };
  const listener = getNotificationListener(transport, [{ topic: cfg.topic }], [endpoint], {
    ...(cfg.pool !== undefined ? { pool: cfg.pool } : {}),
    logger: quiet,
  });
  const control = getRpcServer(transport, { topic: controlTopic(cfg.topic), server: name }, [
    statsEndpoint(name, counts),
  ]);
  await listener.start();
  await control.start();
  return {
    name,
    hosts: [...listener.hosts, ...(control.host !== undefined ? [control.host] : [])],
    counts,
    async stop() {
      await control.stop();
      await listener.stop();
    },
  };
}

export async function runNotifyClientMode(
  transport: Transport,
  cfg: LoadConfig,
  params: ReportParams,
  hooks: ClientHooks = {},
): Promise<LoadReport> {
  const { clock, rng, matchmaker } = transportInternals(transport).deps;
  const run = randomId(rng);
  const notifier = new Notifier(transport, {
    topics: [cfg.topic],
    publisherId: `load-${run.slice(0, 8)}`,
    timeoutMs: cfg.timeoutMs,
    rejectUnrouted: true,
    logger: quiet,
  });
  const rec = await runClientLoop({
    ...loopSettings(cfg, clock, hooks),
    measureLatency: false,
    send: (seq, payload) => notifier.info({}, LOAD_EVENT_TYPE, { run, seq, payload } satisfies LoadMessage),
  });
  hooks.onCounting?.();
  const target = { topic: controlTopic(cfg.topic) };
  const control = new RpcClient(transport, target, { timeoutMs: cfg.timeoutMs });
  const key = sendKey(target);
  // Each copy handed to a pool (or refused for want of one) is a message a server should count.
  const s = notifier.stats;
  const expected = s.copiesDelivered + s.copiesFailed + s.unrouted;
  const polled = await pollServerCounts({
    clock,
    run,
    serverCount: async () => (await matchmaker.getHosts(key)).length,
    ask: (method, args) => control.call({}, method, args),
    expected,
    settleMs: cfg.settleMs,
  });
  return buildReport(
    rec,
    { mode: cfg.mode, url: redactUrl(cfg.url), params },
    { expected, received: polled.received, servers: polled.servers },
  );
}
