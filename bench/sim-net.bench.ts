/**
 * Simulator-only benchmark: the simulated network, sockets, scheduler and process clocks
 * without the driver. Every host has a ROUTER (an echo server) and a DEALER connected to
 * eight random hosts' ROUTERs; requests arrive as a Poisson process from random hosts,
 * each with a deadline timer on its host's clock that the reply clears (as the driver's
 * deadline timers are). Receive loops await the sockets the way the driver does. At 500
 * hosts the working set is spread as in the 500-host simulation, so the figure includes
 * the memory traffic that dominates the simulator's cost there.
 *
 * Prints the events run, the trace hash (must not change with a pure refactor) and the
 * CPU time per round trip.
 * Run: node --max-semi-space-size=128 --import tsx bench/sim-net.bench.ts [hosts] [requests]   (--help)
 */
import { parseArgs } from "node:util";
import { exitWhenFlushed, intOption, parseOrExit, UsageError } from "../src/cli/command-line.js";
import type { PortSocket } from "../src/ports/socket.js";
import { HostProcess } from "../sim/host-process.js";
import { DEFAULT_NETWORK, SimNetwork } from "../sim/net/network.js";
import { Prng } from "../sim/prng.js";
import { Scheduler } from "../sim/scheduler.js";
import { Trace } from "../sim/trace.js";

const USAGE = `usage: node --max-semi-space-size=128 --import tsx bench/sim-net.bench.ts [hosts] [requests]

Benchmarks the simulator without the driver: simulated network, sockets, scheduler and
process clocks, with echo servers and Poisson requests between random hosts. Prints the
events run, the trace hash (unchanged by a pure refactor) and the CPU time per round trip.

  hosts       simulated hosts (default 500)
  requests    requests to send (default 300000)
  -h, --help  print this help and exit
`;
const { HOSTS, REQUESTS } = await parseOrExit(() => {
  const { values, positionals } = parseArgs({
    options: { help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 2)
    throw new UsageError(`at most two arguments (hosts, requests), got ${positionals.length}`);
  return {
    values,
    HOSTS: intOption("hosts", positionals[0], 1) ?? 500,
    REQUESTS: intOption("requests", positionals[1], 1) ?? 300_000,
  };
}, USAGE);
const PEERS = 8;
const RATE_PER_SEC = 20_000;
const START_US = 100_000;

const scheduler = new Scheduler("sync");
const trace = new Trace(() => scheduler.nowUs);
const net = new SimNetwork(scheduler, trace, Prng.derive(1, "net"), DEFAULT_NETWORK);
const rng = Prng.derive(1, "bench");
const procs: HostProcess[] = [];
for (let h = 0; h < HOSTS; h++) {
  net.addHost();
  procs.push(new HostProcess(h, 1, net, scheduler, trace, { offsetMs: 0, driftPpm: 0 }, 1));
}

const deadlines = new Map<number, number>();
let sent = 0;
let replies = 0;
const loop = (s: PortSocket, onFrames: (f: Buffer[]) => Promise<void> | void): void => {
  void (async () => {
    for (;;) await onFrames(await s.receive());
  })().catch(() => undefined);
};

const dealers: PortSocket[] = [];
for (let h = 0; h < HOSTS; h++) {
  const router = procs[h]!.sockets.router({ mandatory: true, sendTimeoutMs: 0 });
  await router.bind(`tcp://${net.hosts[h]!.ip}:5000`);
  loop(router, (f) => router.send([f[0]!, f[1]!]));
}
for (let h = 0; h < HOSTS; h++) {
  const dealer = procs[h]!.sockets.dealer({ immediate: true });
  for (let k = 0; k < PEERS; k++) dealer.connect(`tcp://${net.hosts[rng.int(HOSTS)]!.ip}:5000`);
  dealers.push(dealer);
  const clock = procs[h]!.clock;
  loop(dealer, (f) => {
    const id = f[0]!.readUInt32LE(0);
    const timer = deadlines.get(id);
    if (timer === undefined) return;
    clock.clearTimer(timer);
    deadlines.delete(id);
    replies++;
  });
}

const arrive = (): void => {
  const h = rng.int(HOSTS);
  const id = sent++;
  const body = Buffer.allocUnsafe(64);
  body.writeUInt32LE(id, 0);
  deadlines.set(
    id,
    procs[h]!.clock.setTimer(100, () => deadlines.delete(id)),
  );
  dealers[h]!.send([body]).catch(() => undefined);
  if (sent < REQUESTS) scheduler.after(Math.max(1, Math.round(rng.exponential(1e6 / RATE_PER_SEC))), arrive);
};
scheduler.at(START_US, arrive);

const cpu0 = process.cpuUsage();
await scheduler.run({ untilUs: START_US + (REQUESTS / RATE_PER_SEC) * 1e6 + 1_000_000 });
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  `hosts ${HOSTS}, requests ${sent}, replies ${replies}, events ${scheduler.eventsRun}, trace hash ${trace.hash()}: ` +
    `${cpuMs.toFixed(0)} ms CPU, ${((cpuMs * 1000) / Math.max(1, replies)).toFixed(2)} µs per round trip`,
);
await exitWhenFlushed(0);
