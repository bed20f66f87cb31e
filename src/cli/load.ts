/**
 * The load tool (spec/load.md), in the spirit of oslo.messaging's tools/simulator.py:
 *
 *   npm run load -- rpc-server --url zmq+redis://127.0.0.1:6379
 *   npm run load -- rpc-client --url zmq+redis://127.0.0.1:6379 --count 10000 --concurrency 64 --svg run.svg
 *
 * Servers print one line containing "ready" once registered, and on SIGTERM or SIGINT
 * stop, print what they received and exit 0. Clients run, print their report (one JSON
 * line with --json) and exit 0. Exit status: 0 done, 1 could not run, 2 bad usage.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { getRpcTransport, type Transport } from "../api/transport.js";
import { redactUrl } from "../core/redact.js";
import type { ClientHooks, LoadConfig } from "../load/load-config.js";
import { runNotifyClientMode, startNotifyServerMode } from "../load/notify-modes.js";
import { progressBar, progressLine } from "../load/progress.js";
import { reportParams } from "../load/report-params.js";
import { runRpcClientMode, startRpcServerMode } from "../load/rpc-modes.js";
import { formatReport, type LoadReport } from "../load/run-stats.js";
import { renderChart } from "../load/svg-chart.js";
import { exitQuietlyWhenStdoutCloses, exitWhenFlushed, UsageError } from "./command-line.js";
import { LOAD_USAGE, parseLoadArgs } from "./load-options.js";

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Progress on stderr: a bar redrawn every 200 ms on a terminal, a line a second otherwise. */
function progressHooks(cfg: LoadConfig): ClientHooks {
  if (!cfg.progress) return {};
  const tty = process.stderr.isTTY === true;
  return {
    progress: {
      tickMs: tty ? 200 : 1000,
      report: (s) => process.stderr.write(tty ? `\r${progressBar(s)}` : `${progressLine(s)}\n`),
    },
    onCounting: () =>
      process.stderr.write(`${tty ? "\n" : ""}load: sending done, asking the servers for their counts\n`),
  };
}

function chartOf(report: LoadReport): string {
  const params = Object.entries(report.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return renderChart({ title: `load ${report.mode} ${report.url}`, subtitle: params, series: report.series });
}

async function runServer(transport: Transport, cfg: LoadConfig): Promise<void> {
  const name = cfg.server ?? `load-${process.pid}`;
  const start = cfg.mode === "rpc-server" ? startRpcServerMode : startNotifyServerMode;
  const server = await start(transport, cfg, name);
  process.stdout.write(
    `load ${cfg.mode} ready topic=${cfg.topic} server=${name} hosts=${server.hosts.join(",")} pid=${process.pid}\n`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await server.stop();
      await transport.close();
      const s = server.counts.summary(cfg.mode, name);
      process.stdout.write(
        `load ${cfg.mode} stopped (${signal}): received ${s.received} messages, ${s.bytes} payload bytes, ${s.runs} runs\n`,
      );
      if (cfg.json) process.stdout.write(`${JSON.stringify(s)}\n`);
      await exitWhenFlushed(0);
    })().catch(async (err: unknown) => {
      process.stderr.write(`load: stop failed: ${errorText(err)}\n`);
      await exitWhenFlushed(1);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

async function runClient(transport: Transport, cfg: LoadConfig): Promise<void> {
  const run = cfg.mode === "rpc-client" ? runRpcClientMode : runNotifyClientMode;
  // SIGINT or SIGTERM ends the run early: nothing more is sent, the report still comes.
  let stopped = false;
  const stop = (): void => {
    if (!stopped) process.stderr.write("\nload: stopping: no new messages; waiting for those in flight\n");
    stopped = true;
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const report = await run(transport, cfg, reportParams(cfg), { ...progressHooks(cfg), stopped: () => stopped });
  // Clear the last bar drawn on a terminal.
  if (cfg.progress && process.stderr.isTTY === true) process.stderr.write("\r\x1b[K");
  await transport.close();
  if (cfg.svg !== undefined) writeFileSync(cfg.svg, chartOf(report));
  process.stdout.write(cfg.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  await exitWhenFlushed(0);
}

/** The load tool on this process's command line (process.argv.slice(2)); `npm run load` (scripts/run-compiled.mjs) calls it. */
export async function main(): Promise<void> {
  exitQuietlyWhenStdoutCloses();
  let cfg: LoadConfig | "help";
  try {
    cfg = parseLoadArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${LOAD_USAGE}`);
    return exitWhenFlushed(2);
  }
  if (cfg === "help") {
    process.stdout.write(LOAD_USAGE);
    return exitWhenFlushed(0);
  }
  const c = cfg;
  try {
    const transport = await getRpcTransport(c.url);
    if (c.mode === "rpc-server" || c.mode === "notify-server") await runServer(transport, c);
    else await runClient(transport, c);
  } catch (err) {
    process.stderr.write(`load ${c.mode} ${redactUrl(c.url)}: ${errorText(err)}\n`);
    await exitWhenFlushed(1);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main();
