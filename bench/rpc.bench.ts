/**
 * Benchmarks: the driver's call round trip and cast throughput against raw zeromq.js
 * DEALER/ROUTER doing the same work in the same run, plus codec micro-benchmarks.
 * Numbers depend on the machine; the ratio to raw zeromq.js is the figure to track
 * (roadmap aim: call latency within 1.2x raw zeromq.js).
 * Run: npm run bench   (options: --time-ms 2000 or BENCH_TIME_MS=2000; --help)
 */
import { parseArgs } from "node:util";
import { Bench } from "tinybench";
import * as zmq from "zeromq";
import { intOption, parseOrExit } from "../src/cli/command-line.js";
import { getRpcServer, getRpcTransport, RpcClient } from "../src/index.js";
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
DEALER/ROUTER doing the same work in the same run, plus codec micro-benchmarks; prints
tinybench's table and the driver's latency as a multiple of raw zeromq.js.

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
await transport.close();
dealer.close();
router.close();
