/**
 * Benchmarks: the driver's call round trip and cast throughput against raw zeromq.js
 * DEALER/ROUTER doing the same work in the same run, plus codec micro-benchmarks.
 * Numbers depend on the machine; the ratio to raw zeromq.js is the figure to track
 * (roadmap aim: call latency within 1.2x raw zeromq.js). The same with CURVE on (a server
 * with an allow-list, so its ZAP handler too; raw zeromq.js with CURVE beside it) gives the
 * cost of encryption, stated in spec/security.md ("Cost").
 * Run: npm run bench   (options: --time-ms 2000 or BENCH_TIME_MS=2000; --help)
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Bench } from "tinybench";
import * as zmq from "zeromq";
import { intOption, parseOrExit } from "../src/cli/command-line.js";
import { generateCurveKeyPair, getRpcServer, getRpcTransport, RpcClient } from "../src/index.js";
import {
  CryptoRng,
  decodeRequest,
  encodeRequest,
  InProcessMatchmaker,
  MessageType,
  NodeClock,
  ProxyShell,
  resolveOptions,
  ZmqSocketFactory,
} from "../src/internal.js";

const USAGE = `usage: npm run bench [-- --time-ms <n>]

Benchmarks the driver's call round trip and cast throughput against raw zeromq.js
DEALER/ROUTER doing the same work in the same run, with and without CURVE, plus codec
micro-benchmarks; prints tinybench's table, the driver's latency as a multiple of raw
zeromq.js, and what CURVE costs.

  --time-ms <n>   time per task in ms (default: BENCH_TIME_MS, else 2000)
  -h, --help      print this help and exit
`;
const { timeMs } = await parseOrExit(() => {
  const { values } = parseArgs({
    options: { "time-ms": { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  return {
    values,
    timeMs:
      values["time-ms"] !== undefined
        ? intOption("--time-ms", values["time-ms"], 1)!
        : (intOption("BENCH_TIME_MS", process.env.BENCH_TIME_MS, 1) ?? 2000),
  };
}, USAGE);
const bench = new Bench({ time: timeMs, warmupTime: 300, iterations: 50, warmupIterations: 50 });

// Raw zeromq.js: a DEALER sends the same 5-frame request, a ROUTER echoes a 6-frame reply.
const router = new zmq.Router({ linger: 0 });
await router.bind("tcp://127.0.0.1:*");
const dealer = new zmq.Dealer({ linger: 0 });
dealer.connect(router.lastEndpoint!);
void (async () => {
  for await (const [id, , v, , mid] of router) await router.send([id!, "", v!, "5", mid!, "[1,null]"]);
})().catch(() => undefined);
const rawReq = encodeRequest(MessageType.CALL, "m", {}, { method: "echo", args: { n: 1 } });

// Raw zeromq.js with CURVE: the same echo between a CURVE ROUTER and a CURVE DEALER.
const rawServerKeys = zmq.curveKeyPair();
const rawClientKeys = zmq.curveKeyPair();
const curveRouter = new zmq.Router({ linger: 0, curveServer: true, curveSecretKey: rawServerKeys.secretKey });
await curveRouter.bind("tcp://127.0.0.1:*");
const curveDealer = new zmq.Dealer({
  linger: 0,
  curvePublicKey: rawClientKeys.publicKey,
  curveSecretKey: rawClientKeys.secretKey,
  curveServerKey: rawServerKeys.publicKey,
});
curveDealer.connect(curveRouter.lastEndpoint!);
void (async () => {
  for await (const [id, , v, , mid] of curveRouter) await curveRouter.send([id!, "", v!, "5", mid!, "[1,null]"]);
})().catch(() => undefined);

// The driver: one server, one client, in-process matchmaker, real sockets.
const transport = await getRpcTransport("zmq://", { matchmaker: new InProcessMatchmaker(new NodeClock()) });
let casts = 0;
const server = getRpcServer(transport, { topic: "bench", server: "s" }, [
  { echo: (_c: unknown, a: { n: number }) => a.n, count: () => void casts++ },
]);
await server.start();
const client = new RpcClient(transport, { topic: "bench" }, { timeoutMs: 10_000 });
const direct = client.prepare({ server: "s" });

// The same through one proxy in this process (proxy routing mode, spec/proxy.md): one hop more.
const proxyMm = new InProcessMatchmaker(new NodeClock());
const proxy = new ProxyShell(
  {
    sockets: new ZmqSocketFactory(),
    clock: new NodeClock(),
    rng: new CryptoRng(),
    matchmaker: proxyMm,
    options: resolveOptions({}),
  },
  { drainMs: 0 },
);
await proxy.start();
const proxied = await getRpcTransport("zmq://", { matchmaker: proxyMm, routing: "proxy" });
const proxiedServer = getRpcServer(proxied, { topic: "bench", server: "s" }, [
  { echo: (_c: unknown, a: { n: number }) => a.n },
]);
await proxiedServer.start();
const viaProxy = new RpcClient(proxied, { topic: "bench", server: "s" }, { timeoutMs: 10_000 });
await viaProxy.call({}, "echo", { n: 1 });
// The driver with CURVE: one transport serves and calls, its own key on its allow-list (ZAP).
const curveKeys = generateCurveKeyPair();
const curveTransport = await getRpcTransport("zmq://", {
  matchmaker: new InProcessMatchmaker(new NodeClock()),
  curve: { ...curveKeys, allowedClientKeys: [curveKeys.publicKey] },
});
const curveServer = getRpcServer(curveTransport, { topic: "bench-curve", server: "s" }, [
  { echo: (_c: unknown, a: { n: number }) => a.n },
]);
await curveServer.start();
const curveClient = new RpcClient(curveTransport, { topic: "bench-curve", server: "s" }, { timeoutMs: 10_000 });

const BATCH = 100;
bench
  .add("raw zeromq.js round trip (DEALER->ROUTER->DEALER)", async () => {
    await dealer.send(rawReq);
    await dealer.receive();
  })
  .add("driver call round trip (topic, round robin)", async () => {
    await client.call({}, "echo", { n: 1 });
  })
  .add("driver call round trip (named server)", async () => {
    await direct.call({}, "echo", { n: 1 });
  })
  .add("driver call round trip via a proxy (named server)", async () => {
    await viaProxy.call({}, "echo", { n: 1 });
  })
  .add(`raw zeromq.js ${BATCH} pipelined round trips`, async () => {
    for (let i = 0; i < BATCH; i++) await dealer.send(rawReq);
    for (let i = 0; i < BATCH; i++) await dealer.receive();
  })
  .add(`driver ${BATCH} concurrent calls`, async () => {
    await Promise.all(Array.from({ length: BATCH }, () => client.call({}, "echo", { n: 1 })));
  })
  .add(`driver ${BATCH} concurrent calls via a proxy`, async () => {
    await Promise.all(Array.from({ length: BATCH }, () => viaProxy.call({}, "echo", { n: 1 })));
  })
  .add("raw zeromq.js CURVE round trip", async () => {
    await curveDealer.send(rawReq);
    await curveDealer.receive();
  })
  .add("driver CURVE call round trip (named server)", async () => {
    await curveClient.call({}, "echo", { n: 1 });
  })
  .add(`raw zeromq.js CURVE ${BATCH} pipelined round trips`, async () => {
    for (let i = 0; i < BATCH; i++) await curveDealer.send(rawReq);
    for (let i = 0; i < BATCH; i++) await curveDealer.receive();
  })
  .add(`driver CURVE ${BATCH} concurrent calls`, async () => {
    await Promise.all(Array.from({ length: BATCH }, () => curveClient.call({}, "echo", { n: 1 })));
  })
  .add(`driver ${BATCH} casts (accepted by the socket)`, async () => {
    await Promise.all(Array.from({ length: BATCH }, () => client.cast({}, "count")));
  })
  .add("codec encode+decode request", () => {
    decodeRequest([
      Buffer.from("p"),
      ...encodeRequest(MessageType.CALL, "id", { user: "u" }, { method: "m", args: { a: 1, b: "x" } }),
    ]);
  });

await bench.run();
console.table(bench.table());
const mean = (name: string): number | undefined => {
  const r = bench.tasks.find((t) => t.name.startsWith(name))?.result;
  return r && "latency" in r ? r.latency.mean : undefined;
};
const raw = mean("raw zeromq.js round trip");
const drv = mean("driver call round trip (named");
const rawBatch = mean(`raw zeromq.js ${BATCH}`);
const drvBatch = mean(`driver ${BATCH} concurrent`);
if (raw && drv)
  console.log(
    `call latency: driver ${(drv * 1000).toFixed(0)} µs vs raw ${(raw * 1000).toFixed(0)} µs -> ${(drv / raw).toFixed(2)}x raw zeromq.js`,
  );
if (rawBatch && drvBatch)
  console.log(
    `pipelined: driver ${Math.round(BATCH / (drvBatch / 1000))} calls/s vs raw ${Math.round(BATCH / (rawBatch / 1000))} round trips/s`,
  );
const p50 = (name: string): number | undefined => {
  const r = bench.tasks.find((t) => t.name.startsWith(name))?.result;
  return r && "latency" in r ? r.latency.p50 : undefined;
};
const viaMean = mean("driver call round trip via a proxy");
const viaBatch = mean(`driver ${BATCH} concurrent calls via`);
const [rawP50, drvP50, viaP50] = [
  p50("raw zeromq.js round trip"),
  p50("driver call round trip (named"),
  p50("driver call round trip via"),
];
if (raw && viaMean && drv)
  console.log(
    `call via a proxy: ${(viaMean * 1000).toFixed(0)} µs mean -> ${(viaMean / raw).toFixed(2)}x raw zeromq.js, ${(viaMean / drv).toFixed(2)}x direct`,
  );
if (rawP50 && drvP50 && viaP50)
  console.log(
    `call p50: raw ${(rawP50 * 1000).toFixed(0)} µs, direct ${(drvP50 * 1000).toFixed(0)} µs (${(drvP50 / rawP50).toFixed(2)}x), via a proxy ${(viaP50 * 1000).toFixed(0)} µs (${(viaP50 / rawP50).toFixed(2)}x)`,
  );
if (rawBatch && viaBatch && drvBatch)
  console.log(
    `pipelined via a proxy: ${Math.round(BATCH / (viaBatch / 1000))} calls/s (${(rawBatch / viaBatch).toFixed(2)}x raw, ${(drvBatch / viaBatch).toFixed(2)}x direct)`,
  );
await proxied.close();
await proxy.stop();
// CURVE against plaintext: medians (p50), which a loaded machine disturbs less than means.
const [rawCurve, drvCurve, rawCurveBatch, drvCurveBatch, rawBatchP50, drvBatchP50] = [
  p50("raw zeromq.js CURVE round trip"),
  p50("driver CURVE call round trip"),
  p50(`raw zeromq.js CURVE ${BATCH}`),
  p50(`driver CURVE ${BATCH} concurrent`),
  p50(`raw zeromq.js ${BATCH}`),
  p50(`driver ${BATCH} concurrent`),
];
const pct = (a: number, b: number): string => `${a >= b ? "+" : ""}${(((a - b) / b) * 100).toFixed(0)} %`;
const perSec = (batchMs: number): number => Math.round(BATCH / (batchMs / 1000));
if (drvP50 && drvCurve && rawP50 && rawCurve)
  console.log(
    `CURVE call p50: driver ${(drvCurve * 1000).toFixed(0)} µs vs ${(drvP50 * 1000).toFixed(0)} µs plaintext (${pct(drvCurve, drvP50)}); ` +
      `raw ${(rawCurve * 1000).toFixed(0)} µs vs ${(rawP50 * 1000).toFixed(0)} µs (${pct(rawCurve, rawP50)})`,
  );
if (drvBatchP50 && drvCurveBatch && rawBatchP50 && rawCurveBatch)
  console.log(
    `CURVE pipelined (p50 of a batch): driver ${perSec(drvCurveBatch)} vs ${perSec(drvBatchP50)} calls/s plaintext (${pct(perSec(drvCurveBatch), perSec(drvBatchP50))}); ` +
      `raw ${perSec(rawCurveBatch)} vs ${perSec(rawBatchP50)} round trips/s (${pct(perSec(rawCurveBatch), perSec(rawBatchP50))})`,
  );
// CURVE against plaintext in alternating rounds (plaintext, CURVE, plaintext, …): a load
// that comes and goes on a shared machine then weighs on both sides alike. The figure is
// the median over the rounds of the ratio CURVE / plaintext.
const ROUNDS = 12;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function msPerCall(c: RpcClient, calls: number, inFlight: number): Promise<number> {
  const t0 = performance.now();
  for (let done = 0; done < calls; done += inFlight)
    await Promise.all(Array.from({ length: inFlight }, () => c.call({}, "echo", { n: 1 })));
  return (performance.now() - t0) / calls;
}
const ab = { latency: [] as number[], pipelined: [] as number[], plainUs: [] as number[], curveUs: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  const plain = await msPerCall(direct, 300, 1);
  const curve = await msPerCall(curveClient, 300, 1);
  ab.latency.push(curve / plain);
  ab.plainUs.push(plain * 1000);
  ab.curveUs.push(curve * 1000);
  ab.pipelined.push((await msPerCall(direct, 2000, BATCH)) / (await msPerCall(curveClient, 2000, BATCH)));
}
console.log(
  `CURVE A/B, ${ROUNDS} alternating rounds (medians): sequential call ${median(ab.curveUs).toFixed(0)} µs vs ` +
    `${median(ab.plainUs).toFixed(0)} µs plaintext, ratio ${median(ab.latency).toFixed(2)}x; ` +
    `${BATCH} in flight: CURVE throughput ${median(ab.pipelined).toFixed(2)}x plaintext's`,
);
await transport.close();
await curveTransport.close();
dealer.close();
router.close();
curveDealer.close();
curveRouter.close();
