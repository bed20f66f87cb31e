/**
 * The scale benchmark (`npm run bench:scale`; spec/proxy.md, "Measured figures"): N client
 * processes × M servers, direct routing against proxy routing, on one private Redis.
 *
 * For each mode: the proxies (proxy mode only, one process each, `npm run proxy`'s entry),
 * the servers (spread over a few processes), then the clients, started a batch at a time;
 * every client calls every server once by name ("warm"), the run's processes are counted
 * from /proc, then every client runs its loop of calls to the topic at the same moment
 * ("go") and they are counted again (the CPU they use while idle is measured before the loop); then the first client runs its loop alone. Every child and Redis are stopped at the end of a
 * mode, and killed if the benchmark fails or is interrupted (bench/systems/processes.ts).
 * Loopback only. Options: bench/scale-cli.ts.
 */
import { rmSync } from "node:fs";
import { exitWhenFlushed, UsageError } from "../src/cli/command-line.js";
import type { DriverOptions } from "../src/index.js";
import { REDIS_SERVER_BIN, redisSkipReason, startRedis } from "../test/support/redis-server.js";
import { startMeta } from "./meta.js";
import { parseScaleArgs, SCALE_USAGE, type ScaleArgs, type ScaleMode, serverName, spreadServers } from "./scale-cli.js";
import { type RunChild, startClientChild, startProxyChild, startServersChild } from "./scale-children.js";
import { cpuSample, snapshot } from "./scale-procfs.js";
import {
  countFigures,
  formatTable,
  type IdleCpu,
  idleCpu,
  loopFigures,
  type ModeResult,
  type Owner,
  proxyCounters,
} from "./scale-report.js";
import { cleanupOnExit } from "./systems/processes.js";

const START_LIMIT_MS = 120_000;
const RUN_LIMIT_MS = 30 * 60_000;
/** How long the CPU of the idle deployment is measured, between the warm-up and the loop. */
const IDLE_WINDOW_MS = 5000;

const say = (line: string): void => void process.stderr.write(`scale: ${line}\n`);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `command` to every client and waits for each one's `event`. */
async function everyClient(clients: RunChild[], command: string, event: string): Promise<Record<string, unknown>[]> {
  const answers = clients.map((c) => c.waitEvent(event, RUN_LIMIT_MS));
  for (const c of clients) c.send(command);
  return Promise.all(answers);
}

function ownersOf(children: RunChild[], redisPid: number): Map<number, Owner> {
  const owners = new Map<number, Owner>(children.map((c) => [c.pid, c.role]));
  owners.set(redisPid, "redis");
  return owners;
}

function count(children: RunChild[], redisPid: number, redisPort: number): ReturnType<typeof countFigures> {
  const owners = ownersOf(children, redisPid);
  return countFigures(snapshot(owners, redisPort), owners);
}

/** The CPU the run's processes use while nothing is sent, over IDLE_WINDOW_MS (as measured). */
async function measureIdle(children: RunChild[], redisPid: number): Promise<IdleCpu> {
  const owners = ownersOf(children, redisPid);
  const c0 = cpuSample(owners);
  const t0 = performance.now();
  await pause(IDLE_WINDOW_MS);
  const c1 = cpuSample(owners);
  return idleCpu(c0, c1, performance.now() - t0);
}

/** Clients first (they were told to exit), then servers (they deregister), proxies last. */
async function stopAll(children: RunChild[]): Promise<void> {
  const order: RunChild["role"][] = ["client", "server", "proxy"];
  for (const role of order) await Promise.all(children.filter((c) => c.role === role).map((c) => c.stop()));
}

async function runMode(
  mode: ScaleMode,
  a: ScaleArgs,
  redis: { url: string; pid: number; port: number },
): Promise<ModeResult> {
  const options: DriverOptions = {
    routing: mode,
    acks: a.acks,
    // Every connection a client opened stays open until the count, however slow the machine.
    pool: { idleTimeoutMs: 30 * 60_000 },
    ...(a.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: a.heartbeatIntervalMs } : {}),
  };
  const children: RunChild[] = [];
  try {
    if (mode === "proxy")
      for (let i = 0; i < a.proxies; i++) children.push(await startProxyChild(redis.url, START_LIMIT_MS));
    const groups = spreadServers(a.servers, a.serverProcesses);
    for (const g of groups)
      children.push(await startServersChild(redis.url, options, g.map(serverName), START_LIMIT_MS));
    say(
      `${mode}: ${a.proxies * Number(mode === "proxy")} proxies, ${a.servers} servers in ${groups.length} processes up`,
    );
    const clients: RunChild[] = [];
    const settings = {
      servers: a.servers,
      calls: a.callsPerClient,
      concurrency: a.concurrency,
      timeoutMs: a.timeoutMs,
    };
    for (let i = 0; i < a.clients; i += a.startBatch) {
      const n = Math.min(a.startBatch, a.clients - i);
      const batch = Array.from({ length: n }, () => startClientChild(redis.url, options, settings, START_LIMIT_MS));
      // Register each as it comes, so a failure still leaves every started child to stop.
      for (const b of batch)
        void b.then(
          (c) => {
            clients.push(c);
            children.push(c);
          },
          () => undefined,
        );
      await Promise.all(batch);
      say(`${mode}: ${clients.length}/${a.clients} clients up`);
    }
    const t0 = performance.now();
    const warmed = await everyClient(clients, "warm", "warm");
    const warmMs = performance.now() - t0;
    const errors = new Set<string>();
    const sum = (rs: Record<string, unknown>[], k: string): number => rs.reduce((s, r) => s + Number(r[k] ?? 0), 0);
    for (const r of warmed) for (const e of (r.errors as string[]) ?? []) errors.add(e);
    say(`${mode}: warm-up done (${sum(warmed, "ok")} calls ok, ${sum(warmed, "failed")} failed), counting`);
    await pause(1000);
    const warm = count(children, redis.pid, redis.port);
    const idle = await measureIdle(children, redis.pid);
    say(`${mode}: idle for ${IDLE_WINDOW_MS / 1000} s: ${idle.percent} % of one core; loop`);
    const g0 = performance.now();
    const done = await everyClient(clients, "go", "done");
    const wallMs = performance.now() - g0;
    for (const r of done) for (const e of (r.errors as string[]) ?? []) errors.add(e);
    const loaded = count(children, redis.pid, redis.port);
    const latencies = done.flatMap((r) => r.latenciesUs as number[]);
    const loop = loopFigures(latencies, sum(done, "failed"), wallMs);
    say(`${mode}: loop done (${loop.ok} ok, ${loop.failed} failed, ${loop.callsPerSec} calls/s), one client alone`);
    // The same loop by one client while the others sit idle: the hop's cost with less contention.
    const s0 = performance.now();
    const [soloDone] = await everyClient(clients.slice(0, 1), "go", "done");
    const solo = loopFigures(soloDone!.latenciesUs as number[], Number(soloDone!.failed), performance.now() - s0);
    for (const e of (soloDone!.errors as string[]) ?? []) errors.add(e);
    say(`${mode}: alone ${solo.callsPerSec} calls/s, p50 ${solo.p50Ms} ms; stopping`);
    for (const c of clients) c.send("exit");
    await stopAll(children);
    const proxyLogs = children.filter((c) => c.role === "proxy").map((c) => c.proc.log());
    return {
      mode,
      warm: { ...warm, ok: sum(warmed, "ok"), failed: sum(warmed, "failed"), wallMs: Math.round(warmMs) },
      idle,
      loaded,
      loop,
      solo,
      proxyCounters: mode === "proxy" ? proxyCounters(proxyLogs) : null,
      errorSamples: [...errors].slice(0, 10),
    };
  } finally {
    await stopAll(children);
  }
}

async function main(): Promise<void> {
  let a: ScaleArgs | "help";
  try {
    a = parseScaleArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${SCALE_USAGE}`);
    return exitWhenFlushed(2);
  }
  if (a === "help") {
    process.stdout.write(SCALE_USAGE);
    return exitWhenFlushed(0);
  }
  if (redisSkipReason() !== undefined) {
    process.stderr.write(`scale: needs ${REDIS_SERVER_BIN}\n`);
    return exitWhenFlushed(1);
  }
  const meta = startMeta({ ...a });
  const redis = await startRedis({ config: ["maxclients 10000"] });
  const removeDir = cleanupOnExit(() => rmSync(redis.dir, { recursive: true, force: true }));
  const results: ModeResult[] = [];
  let failure: unknown;
  try {
    for (const mode of a.modes)
      results.push(await runMode(mode, a, { url: redis.url, pid: redis.pid!, port: redis.port }));
  } catch (err) {
    failure = err;
  } finally {
    await redis.stop();
    removeDir.cancel();
  }
  const m = meta.finish([]);
  const perProcess = Math.ceil(a.servers / a.serverProcesses);
  process.stdout.write(
    `scale: ${a.clients} client processes × ${a.servers} servers (in ${a.serverProcesses} processes of up to ${perProcess} servers each, ` +
      `so the machine copes), ${a.proxies} proxies in proxy mode, acks ${a.acks ? "on" : "off"}, ` +
      `${a.callsPerClient} calls a client at ${a.concurrency} in flight, ` +
      `${a.heartbeatIntervalMs === 0 ? "heartbeats off" : `heartbeats every ${a.heartbeatIntervalMs ?? "1000 (default)"} ms`}; revision ${m.gitRevision}, ` +
      `${m.cpus} × ${m.cpuModel}, load average ${m.loadAverage.start.join(" ")} at start, ${m.loadAverage.end.join(" ")} at end\n`,
  );
  if (results.length > 0) {
    process.stdout.write(`${formatTable(results)}\n`);
    process.stdout.write(
      "Throughput and latency with this many processes on few cores measure CPU contention as much as the driver.\n",
    );
    for (const r of results) for (const e of r.errorSamples) process.stdout.write(`${r.mode} error: ${e}\n`);
  }
  if (failure !== undefined)
    process.stderr.write(`scale: failed: ${failure instanceof Error ? failure.message : String(failure)}\n`);
  if (a.json)
    process.stdout.write(`${JSON.stringify({ schema: 1, meta: m, results, failed: failure !== undefined })}\n`);
  return exitWhenFlushed(failure === undefined ? 0 : 1);
}

void main();
