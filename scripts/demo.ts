/**
 * Real-socket demo: an in-process cluster on zeromq.js over loopback. Three servers on one
 * topic, a client that calls round robin, calls one named server, casts, fans out, times
 * out, and receives a remote exception; it prints what happened and the driver's counters.
 * Run: npm run demo
 */
import { parseArgs } from "node:util";
import { parseOrExit } from "../src/cli/command-line.js";
import { getRpcServer, getRpcTransport, MessagingTimeout, RpcClient } from "../src/index.js";
import { transportInternals } from "../src/internal.js";

const USAGE = `usage: npm run demo

Real-socket demo: an in-process cluster on zeromq.js over loopback. Three servers on one
topic and a client that calls round robin, calls one named server, casts, fans out, times
out and receives a remote exception; prints what happened, 2000 sequential calls' latency
and the driver's counters. No options but -h, --help.
`;
await parseOrExit(() => parseArgs({ options: { help: { type: "boolean", short: "h" } }, strict: true }), USAGE);

class Counter {
  total = 0;
  constructor(readonly name: string) {}
  add(_ctx: unknown, { n }: { n: number }): { server: string; total: number } {
    this.total += n;
    return { server: this.name, total: this.total };
  }
  fail(): never {
    throw new RangeError(`${this.name} refuses`);
  }
}

const transport = await getRpcTransport("zmq://");
const counters = ["alpha", "beta", "gamma"].map((n) => new Counter(n));
const servers = counters.map((c) => getRpcServer(transport, { topic: "counter", server: c.name }, [c]));
await Promise.all(servers.map((s) => s.start()));
console.log(`servers: ${servers.map((s) => `${s.target.server}@${s.host}`).join(", ")}`);

const client = new RpcClient(transport, { topic: "counter" }, { timeoutMs: 2000 });
for (let i = 1; i <= 6; i++) {
  const r = await client.call<{ server: string; total: number }>({}, "add", { n: i });
  console.log(`call add(${i}) -> ${r.server} total=${r.total}`);
}
const beta = client.prepare({ server: "beta" });
console.log(`call to server beta -> ${JSON.stringify(await beta.call({}, "add", { n: 100 }))}`);
await client.cast({}, "add", { n: 1000 });
await client.prepare({ fanout: true }).cast({}, "add", { n: 10_000 });
await Promise.all(counters.map((c) => client.prepare({ server: c.name }).call({}, "add", { n: 0 })));
console.log(`after cast and fanout: ${counters.map((c) => `${c.name}=${c.total}`).join(" ")}`);
try {
  await beta.call({}, "fail");
} catch (e) {
  console.log(`remote exception re-raised locally: ${(e as Error).constructor.name}: ${(e as Error).message}`);
}
const t0 = performance.now();
try {
  await client.prepare({ topic: "nobody", timeoutMs: 250 }).call({}, "add", { n: 1 });
} catch (e) {
  if (!(e instanceof MessagingTimeout)) throw e;
  console.log(
    `call to a topic with no server: MessagingTimeout after ${Math.round(performance.now() - t0)} ms (timeout 250 ms)`,
  );
}
const n = 2000;
const t1 = performance.now();
for (let i = 0; i < n; i++) await client.call({}, "add", { n: 0 });
const seqMs = performance.now() - t1;
console.log(
  `${n} sequential calls: ${((seqMs / n) * 1000).toFixed(0)} µs per call (${Math.round(n / (seqMs / 1000))} calls/s)`,
);
console.log(`client counters: ${JSON.stringify(transportInternals(transport).engine.stats)}`);
await transport.close();
console.log("transport closed; all servers stopped and deregistered");
