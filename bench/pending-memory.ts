/**
 * Memory of pending calls, and CPU per call (issue 14): one client holds N calls (default
 * 100,000) to a server that accepts them and answers only when released; the figures are
 * RSS and heap used (after global.gc) before and at the peak, bytes per pending call, then
 * every call is released and checked settled (ok). Each scenario runs in a fresh child
 * process (node --expose-gc), so one scenario's garbage never weighs on the next:
 *
 * - "one process": client and server in one process, real zeromq.js sockets between them,
 *   the in-process matchmaker (zmq://): the whole-process figure of the issue;
 * - "client only": the server in a process of its own (registered by hand in the client's
 *   in-process matchmaker): the client's own cost per pending call.
 *
 * Each with acks off and on (DriverOptions.acks). Then "cpu": 100 concurrent driver calls
 * repeatedly, interleaved with 100 pipelined raw zeromq.js round trips (the raw echo of
 * bench/systems/raw-zmq.ts), process.cpuUsage per call of each and their ratio.
 *
 * Limits raised for this load (the defaults are sized for many peers each with a moderate
 * number of calls in flight, spec/pool.md):
 * - client DriverOptions.pool.maxInFlightPerPeer = N (default 1000: beyond it calls wait
 *   for a socket, and beyond pool.maxWaiters = 1000 waiting they fail at once "exhausted");
 * - client DriverOptions.maxQueuedSends, only for --batch above 1000: the calls are made
 *   in batches (default 1000, each sent before the next is made, as calls that pile up
 *   over time), and all of a batch but one wait in the socket's send queue;
 * - rpcResponseTimeoutMs (the client's timeoutMs) 10 minutes, so none expires meanwhile;
 * - server maxConcurrency = N (default 64: the others would wait in the server's queue of
 *   maxQueuedRequests = 1000, beyond which the server stops reading its socket and the
 *   calls wait in libzmq's buffers, which is fine for memory but keeps them unacknowledged
 *   with acks on, so they would be resent after ackTimeoutMs).
 * With acks on, ackTimeoutMs is raised to 60 s: the ACKs of 100,000 calls sent at once come
 * back over seconds, and a resend would measure the resends, not the pending calls.
 *
 * Run: npm run bench:memory [-- --calls N] [--json] [--cpu-ms N] [--only memory|cpu]
 * (compiled by tsc first and run as JavaScript, as `npm run bench` is: tsx's loader thread
 * adds about 25 MiB to a process's RSS, spec/delivery.md "Memory of a pending call").
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeHeapSnapshot } from "node:v8";
import * as zmq from "zeromq";
import { exitWhenFlushed, intOption, parseOrExit } from "../src/cli/command-line.js";
import { getRpcServer, getRpcTransport, RpcClient, type Transport } from "../src/index.js";
import {
  encodeRequest,
  InProcessMatchmaker,
  MessageType,
  NodeClock,
  sendKey,
  transportInternals,
} from "../src/internal.js";

const USAGE = `usage: npm run bench:memory [-- --calls N] [--json] [--cpu-ms N] [--only memory|cpu]

One client holds N pending calls to a server that answers only when released: RSS and heap
(after gc) before and at the peak, bytes per pending call, client and server in one process
and the client alone, acks off and on; then CPU per call at 100 concurrent calls against raw
zeromq.js.

  --calls N     pending calls (default 100000)
  --batch N     calls made at once, each batch sent before the next is made (default
                1000); --batch 100000: every call made in one synchronous loop
  --cpu-ms N    duration of the CPU measurement (default 3000)
  --only X      run only the memory scenarios or only the CPU measurement
  --heap-snapshot DIR   write heap snapshots (before, at the peak, after) to DIR, named
                by scenario: the client's (client only) and the whole process's (one
                process, where the server's side is the difference), for a look at
                what a pending call holds
  --json        the last stdout line is one JSON object with every figure
  -h, --help    print this help and exit
`;

const TOPIC = "mem";
const LONG_MS = 10 * 60_000;
/** Calls made and left pending before the baseline (a socket open, the code paths compiled). */
const WARM_UP = 100;

// --- child roles ------------------------------------------------------------------------

interface Snapshot {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

function snapshot(): Snapshot {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  gc();
  gc();
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A server whose one method waits until `release()`. Its limits raised for the load (see
 * the header): requests queue in its work gate (maxQueuedRequests) behind the default
 * maxConcurrency running ones; its replies to the one client go out in one burst at the
 * release (maxQueuedSends, sendHighWaterMark).
 */
async function holdingServer(calls: number, acks: boolean, matchmaker: InProcessMatchmaker) {
  const transport = await getRpcTransport("zmq://", {
    matchmaker,
    acks,
    maxQueuedRequests: calls + WARM_UP,
    maxQueuedSends: calls + WARM_UP,
    sendHighWaterMark: calls + WARM_UP,
    heartbeatTimeoutMs: LONG_MS,
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const server = getRpcServer(transport, { topic: TOPIC, server: "s" }, [
    {
      hold: async (_ctx: unknown, a: { n: number }) => {
        await gate;
        return a.n;
      },
    },
  ]);
  await server.start();
  return {
    transport,
    /** Requests the server has read (running or queued). */
    received: () => server.stats.received,
    replyFailures: () => server.stats.replyFailures,
    release,
    stop: async () => {
      await server.stop();
      await transport.close();
    },
  };
}

function clientOptions(acks: boolean, matchmaker: InProcessMatchmaker) {
  return {
    matchmaker,
    acks,
    ackTimeoutMs: 60_000,
    heartbeatTimeoutMs: LONG_MS,
    rpcResponseTimeoutMs: LONG_MS,
    // A batch waits in the socket's send queue: the default (1000) holds one of 1000.
    ...(batch > 1000 ? { maxQueuedSends: batch } : {}),
    pool: { maxInFlightPerPeer: calls + WARM_UP },
  };
}

interface MemoryResult {
  scenario: "one-process" | "client-only";
  acks: boolean;
  calls: number;
  before: Snapshot;
  peak: Snapshot;
  after: Snapshot;
  rssPerCallBytes: number;
  heapPerCallBytes: number;
  externalPerCallBytes: number;
  settledOk: number;
  sendSeconds: number;
  serverRssBytes?: number;
}

/** Holds `calls` pending calls from `transport`'s client, measures, releases, checks. */
async function holdAndMeasure(
  transport: Transport,
  calls: number,
  acks: boolean,
  received: () => Promise<number>,
  release: () => void,
): Promise<Omit<MemoryResult, "scenario">> {
  const client = new RpcClient(transport, { topic: TOPIC });
  // Warm up: a socket open, the code paths compiled, before the baseline.
  const warm: Promise<unknown>[] = [];
  for (let i = 0; i < WARM_UP; i++) warm.push(client.call({}, "hold", { n: i }));
  const engine = transportInternals(transport).engine;
  let got = await received();
  while (got < WARM_UP) {
    await sleep(20);
    got = await received();
  }
  const base = got;
  const before = snapshot();
  if (heapSnapshotDir !== undefined) writeHeapSnapshot(`${heapSnapshotDir}/before-${snapshotName}.heapsnapshot`);
  const t0 = process.hrtime.bigint();
  // The caller's side of each call: its promise and one reaction, with shared handlers
  // (what any caller holds while it awaits a call; Promise.allSettled would add more).
  let settledOk = 0;
  let sum = 0;
  let failed: unknown;
  const ok = (v: unknown): void => {
    settledOk++;
    sum += v as number;
  };
  const fail = (e: unknown): void => {
    failed ??= e;
  };
  // In batches, each sent before the next is made (a client whose calls pile up over
  // time), unless --batch says one burst.
  for (let i = 0; i < calls; ) {
    const end = Math.min(calls, i + batch);
    for (; i < end; i++) client.call<number>({}, "hold", { n: i }).then(ok, fail);
    await until("a batch to leave the send queue", () => engine.poolMetrics.queuedSends === 0);
  }
  // Peak: every call received by the server, nothing left in the client's send queue, and
  // with acks every ACK in (each call then waits only for its reply).
  for (;;) {
    got = await received();
    if (got - base >= calls) break;
    await sleep(50);
  }
  await until(
    "the client's send queue to drain and its ACKs",
    () => engine.poolMetrics.queuedSends === 0 && (!acks || engine.stats.acks >= calls + WARM_UP),
  );
  const sendSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const peak = snapshot();
  if (heapSnapshotDir !== undefined) writeHeapSnapshot(`${heapSnapshotDir}/peak-${snapshotName}.heapsnapshot`);
  release();
  await until("every call to settle", () => settledOk === calls || failed !== undefined, 300_000);
  await Promise.all(warm);
  if (failed !== undefined) throw new Error(`a call did not settle ok: ${String(failed)}`);
  if (sum !== (calls * (calls - 1)) / 2) throw new Error("a call settled with another call's answer");
  if (engine.pendingCount !== 0) throw new Error(`${engine.pendingCount} requests still pending in the client`);
  if (heapSnapshotDir !== undefined) writeHeapSnapshot(`${heapSnapshotDir}/after-${snapshotName}.heapsnapshot`);
  const after = snapshot();
  return {
    acks,
    calls,
    before,
    peak,
    after,
    rssPerCallBytes: Math.round((peak.rssBytes - before.rssBytes) / calls),
    heapPerCallBytes: Math.round((peak.heapUsedBytes - before.heapUsedBytes) / calls),
    externalPerCallBytes: Math.round((peak.externalBytes - before.externalBytes) / calls),
    settledOk,
    sendSeconds,
  };
}

async function roleOneProcess(calls: number, acks: boolean): Promise<MemoryResult> {
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  const server = await holdingServer(calls, acks, matchmaker);
  const transport = await getRpcTransport("zmq://", clientOptions(acks, matchmaker));
  const r = await holdAndMeasure(transport, calls, acks, async () => server.received(), server.release);
  await transport.close();
  await server.stop();
  return { scenario: "one-process", ...r };
}

/** The server of "client only", in its own process; commands and answers over IPC. */
async function roleServer(calls: number, acks: boolean): Promise<void> {
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  const server = await holdingServer(calls, acks, matchmaker);
  const key = sendKey({ topic: TOPIC });
  process.send!({ type: "ready", key, hosts: matchmaker.hostsNow(key) });
  process.on("message", (m: { type: string }) => {
    if (m.type === "count") process.send!({ type: "count", received: server.received() });
    else if (m.type === "release") server.release();
    else if (m.type === "rss") process.send!({ type: "rss", rssBytes: snapshot().rssBytes });
    else if (m.type === "exit") void server.stop().then(() => process.exit(0));
  });
}

/** Asks the server child `type` and resolves with its answer of the same type. */
function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off("message", on);
      resolve(m as T);
    };
    child.on("message", on);
    child.send({ type });
  });
}

async function roleClient(calls: number, acks: boolean): Promise<MemoryResult> {
  const child = spawnSelf(["--role", "server", "--calls", String(calls), ...(acks ? ["--acks"] : [])], true);
  const ready = await new Promise<{ key: string; hosts: string[] }>((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`server process exited (${code})`)));
  });
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  for (const h of ready.hosts) await matchmaker.register(ready.key, h, null);
  const transport = await getRpcTransport("zmq://", clientOptions(acks, matchmaker));
  const r = await holdAndMeasure(
    transport,
    calls,
    acks,
    async () => (await ask<{ received: number }>(child, "count")).received,
    () => child.send({ type: "release" }),
  );
  await transport.close();
  const serverRssBytes = (await ask<{ rssBytes: number }>(child, "rss")).rssBytes;
  child.send({ type: "exit" });
  await new Promise((r) => child.once("exit", r));
  return { scenario: "client-only", ...r, serverRssBytes };
}

interface CpuResult {
  rounds: number;
  driverCpuUsPerCall: number;
  rawCpuUsPerRoundTrip: number;
  ratio: number;
}

/**
 * CPU per call at 100 in flight: rounds of 100 concurrent driver calls (an echo) and of 100
 * pipelined raw zeromq.js round trips, alternating, for `ms`; user + system CPU of the
 * process per call of each (the server's work included on both sides).
 */
async function roleCpu(ms: number): Promise<CpuResult> {
  const BATCH = 100;
  const router = new zmq.Router({ linger: 0 });
  await router.bind("tcp://127.0.0.1:*");
  const dealer = new zmq.Dealer({ linger: 0 });
  dealer.connect(router.lastEndpoint!);
  void (async () => {
    for await (const [id, , v, , mid] of router) await router.send([id!, "", v!, "5", mid!, "[1,null]"]);
  })().catch(() => undefined);
  const rawReq = encodeRequest(MessageType.CALL, "m", {}, { method: "echo", args: { n: 1 } });
  const transport = await getRpcTransport("zmq://", { matchmaker: new InProcessMatchmaker(new NodeClock()) });
  const server = getRpcServer(transport, { topic: "cpu", server: "s" }, [
    { echo: (_c: unknown, a: { n: number }) => a.n },
  ]);
  await server.start();
  const client = new RpcClient(transport, { topic: "cpu" }, { timeoutMs: 10_000 });
  const driverRound = () => Promise.all(Array.from({ length: BATCH }, () => client.call({}, "echo", { n: 1 })));
  const rawRound = async () => {
    for (let i = 0; i < BATCH; i++) await dealer.send(rawReq);
    for (let i = 0; i < BATCH; i++) await dealer.receive();
  };
  const cpu = (f: () => Promise<unknown>) => async (): Promise<number> => {
    const c0 = process.cpuUsage();
    await f();
    const c = process.cpuUsage(c0);
    return c.user + c.system;
  };
  const [drv, raw] = [cpu(driverRound), cpu(rawRound)];
  for (let i = 0; i < 50; i++) {
    await drv();
    await raw();
  }
  let drvUs = 0;
  let rawUs = 0;
  let rounds = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    drvUs += await drv();
    rawUs += await raw();
    rounds++;
  }
  await server.stop();
  await transport.close();
  dealer.close();
  router.close();
  const driverCpuUsPerCall = drvUs / (rounds * BATCH);
  const rawCpuUsPerRoundTrip = rawUs / (rounds * BATCH);
  return { rounds, driverCpuUsPerCall, rawCpuUsPerRoundTrip, ratio: driverCpuUsPerCall / rawCpuUsPerRoundTrip };
}

// --- the parent -------------------------------------------------------------------------

const SELF = fileURLToPath(import.meta.url);

function spawnSelf(args: string[], ipc = false): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, "--expose-gc", SELF, ...args], {
    stdio: ipc ? ["ignore", "inherit", "inherit", "ipc"] : ["ignore", "pipe", "inherit"],
  });
}

/** Runs a child role and returns the JSON object of its last stdout line. */
async function runChild<T>(args: string[]): Promise<T> {
  const child = spawnSelf(args);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`bench child ${args.join(" ")} exited with ${code}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as T;
}

const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;

const { values } = await parseOrExit(
  () =>
    parseArgs({
      options: {
        calls: { type: "string" },
        "cpu-ms": { type: "string" },
        only: { type: "string" },
        "heap-snapshot": { type: "string" },
        batch: { type: "string" },
        role: { type: "string" },
        acks: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }),
  USAGE,
);
const calls = intOption("--calls", values.calls, 1) ?? 100_000;
const cpuMs = intOption("--cpu-ms", values["cpu-ms"], 1) ?? 3000;
/** Calls made at once, sent before the next batch is made; --batch N >= calls: one burst. */
const batch = intOption("--batch", values.batch, 1) ?? 1000;
const acks = values.acks === true;
/** Where the client's heap snapshots go (before, at the peak, after), when asked for. */
const heapSnapshotDir = values["heap-snapshot"];
/** A child's snapshot files: its scenario and acks, e.g. peak-client-only-acks.heapsnapshot. */
const snapshotName = `${values.role}-${acks ? "acks" : "no-acks"}`;

if (values.role !== undefined) {
  const role = values.role;
  if (role === "server") await roleServer(calls, acks);
  else {
    const result =
      role === "one-process"
        ? await roleOneProcess(calls, acks)
        : role === "client-only"
          ? await roleClient(calls, acks)
          : await roleCpu(cpuMs);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    await exitWhenFlushed(0);
  }
} else {
  const only = values.only;
  if (only !== undefined && only !== "memory" && only !== "cpu") {
    process.stderr.write(`--only needs memory or cpu, got ${only}\n\n${USAGE}`);
    await exitWhenFlushed(2);
  }
  const memory: MemoryResult[] = [];
  if (only !== "cpu")
    for (const withAcks of [false, true])
      for (const scenario of ["one-process", "client-only"] as const) {
        const r = await runChild<MemoryResult>([
          "--role",
          scenario,
          "--calls",
          String(calls),
          "--batch",
          String(batch),
          ...(withAcks ? ["--acks"] : []),
          ...(heapSnapshotDir === undefined ? [] : ["--heap-snapshot", heapSnapshotDir]),
        ]);
        memory.push(r);
        console.log(
          `${scenario.padEnd(11)} acks ${withAcks ? "on " : "off"}: ${calls} pending calls, RSS ${mb(r.before.rssBytes)} -> ${mb(r.peak.rssBytes)} ` +
            `(${r.rssPerCallBytes} B/call), heap ${mb(r.before.heapUsedBytes)} -> ${mb(r.peak.heapUsedBytes)} ` +
            `(${r.heapPerCallBytes} B/call), external +${r.externalPerCallBytes} B/call; ` +
            `sent in ${r.sendSeconds.toFixed(1)} s; ${r.settledOk}/${calls} settled ok` +
            (r.serverRssBytes === undefined ? "" : `; server process RSS ${mb(r.serverRssBytes)}`),
        );
      }
  let cpu: CpuResult | undefined;
  if (only !== "memory") {
    cpu = await runChild<CpuResult>(["--role", "cpu", "--cpu-ms", String(cpuMs)]);
    console.log(
      `cpu at 100 in flight: driver ${cpu.driverCpuUsPerCall.toFixed(1)} µs/call, raw zeromq.js ` +
        `${cpu.rawCpuUsPerRoundTrip.toFixed(1)} µs/round trip -> ${cpu.ratio.toFixed(2)}x raw (${cpu.rounds} rounds each)`,
    );
  }
  if (values.json === true) console.log(JSON.stringify({ calls, memory, cpu }));
  await exitWhenFlushed(0);
}
