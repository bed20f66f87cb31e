/**
 * A client in its own process (and namespace), for the network-namespace tests: argv =
 * <transport URL> <label> [<DriverOptions as JSON>]. It prints {"event":"ready"} once its
 * transport exists, then takes JSON commands on stdin, each with a "req" id, and answers
 * each with {"event":"result","req":...} plus the fields below:
 *
 * - {"cmd":"load","load":L,"topic":T,"idempotent"?,"timeoutMs"?,"gapMs"?,"workers"?,"everyMs"?}:
 *   calls "run" on topic T, each call with a fresh id "<label>.<L>.<n>"; answers at once.
 *   With `everyMs` the load is open: a call starts every `everyMs` whatever the others do
 *   (at most 1000 in flight), so the client keeps choosing servers while some calls hang.
 *   Else `workers` loops call back to back, `gapMs` apart.
 * - {"cmd":"stop","load":L}: stops load L, waits for its calls in flight to settle;
 *   answers {outcomes}: per call its id, start and end (epoch ms, sub-ms), ok, the server
 *   that answered or the error (name, message, host, retryable).
 * - {"cmd":"answered","load":L,"server":S,"since":T}: how many calls of load L started at or
 *   after T the server named S has answered so far: {count}.
 * - {"cmd":"call","topic","server"?,"method","args"?,"timeoutMs"?}: one call; {ok, value|error}.
 * - {"cmd":"sends","from"?}: the SendRecorder's records from index `from`, and every
 *   connection event: {sends, next, connections}.
 * - {"cmd":"hosts","topic"}: the hosts Redis lists for the topic now (no cache): {hosts}.
 * - {"cmd":"stats"}: the client engine's counters: {stats}.
 * - {"cmd":"exit"}: closes the transport and exits.
 *
 * Times are performance.timeOrigin + performance.now(), comparable with the test's.
 */
import { createInterface } from "node:readline";
import {
  CryptoRng,
  getRpcTransport,
  NodeClock,
  RpcClient,
  topicKey,
  transportInternals,
  ZmqSocketFactory,
  type DriverOptions,
  type RedisMatchmaker,
} from "../../../src/internal.js";
import { SendRecorder } from "./send-recorder.js";

const [url, label, optionsJson] = process.argv.slice(2);
if (!url || !label) {
  console.error("usage: client-process.ts <url> <label> [options-json]");
  process.exit(2);
}
const now = (): number => performance.timeOrigin + performance.now();
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const errorOf = (e: unknown): Record<string, unknown> => {
  const err = e as { name?: string; message?: string; host?: string; retryable?: boolean; cause?: unknown };
  return { name: err.name, message: err.message, host: err.host, retryable: err.retryable };
};

const recorder = new SendRecorder(new ZmqSocketFactory());
const options = (optionsJson ? JSON.parse(optionsJson) : {}) as DriverOptions;
const transport = await getRpcTransport(url, {
  ...options,
  ports: { sockets: recorder, clock: new NodeClock(), rng: new CryptoRng() },
});

export interface CallOutcome {
  id: string;
  startMs: number;
  endMs: number;
  ok: boolean;
  server?: string;
  error?: Record<string, unknown>;
}

interface Load {
  running: boolean;
  outcomes: CallOutcome[];
  workers: Promise<void>[];
}
const loads = new Map<string, Load>();
const MAX_OPEN_IN_FLIGHT = 1000;

function startLoad(c: Record<string, unknown>): void {
  const name = String(c.load);
  const client = new RpcClient(
    transport,
    { topic: String(c.topic) },
    { timeoutMs: Number(c.timeoutMs ?? 10_000), idempotent: Boolean(c.idempotent) },
  );
  const load: Load = { running: true, outcomes: [], workers: [] };
  loads.set(name, load);
  let n = 0;
  const oneCall = async (): Promise<void> => {
    const id = `${label}.${name}.${n++}`;
    const startMs = now();
    try {
      const r = await client.call<{ id: string; server: string }>({}, "run", { id });
      load.outcomes.push({ id, startMs, endMs: now(), ok: true, server: r.server });
    } catch (e) {
      load.outcomes.push({ id, startMs, endMs: now(), ok: false, error: errorOf(e) });
    }
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  if (c.everyMs !== undefined) {
    const everyMs = Number(c.everyMs);
    const inFlight = new Set<Promise<void>>();
    const opener = async (): Promise<void> => {
      // Starts are scheduled on a fixed grid, so a late timer does not lower the rate.
      for (let next = now(); load.running; next += everyMs) {
        await sleep(Math.max(0, next - now()));
        if (!load.running) break;
        if (inFlight.size >= MAX_OPEN_IN_FLIGHT) continue;
        const p = oneCall().then(() => void inFlight.delete(p));
        inFlight.add(p);
      }
      await Promise.all(inFlight);
    };
    load.workers.push(opener());
  } else {
    const gapMs = Number(c.gapMs ?? 20);
    const worker = async (): Promise<void> => {
      while (load.running) {
        await oneCall();
        await sleep(gapMs);
      }
    };
    for (let w = 0; w < Number(c.workers ?? 1); w++) load.workers.push(worker());
  }
}

async function handle(c: Record<string, unknown>): Promise<Record<string, unknown>> {
  switch (c.cmd) {
    case "load":
      startLoad(c);
      return {};
    case "stop": {
      const load = loads.get(String(c.load));
      if (!load) throw new Error(`no load ${String(c.load)}`);
      load.running = false;
      await Promise.all(load.workers);
      return { outcomes: load.outcomes };
    }
    case "answered": {
      const load = loads.get(String(c.load));
      if (!load) throw new Error(`no load ${String(c.load)}`);
      const since = Number(c.since ?? 0);
      const count = load.outcomes.filter((o) => o.ok && o.server === c.server && o.startMs >= since).length;
      return { count };
    }
    case "call": {
      const target = { topic: String(c.topic), ...(c.server ? { server: String(c.server) } : {}) };
      const client = new RpcClient(transport, target, { timeoutMs: Number(c.timeoutMs ?? 10_000) });
      const value = await client.call({}, String(c.method), (c.args ?? {}) as Record<string, unknown>);
      return { value };
    }
    case "sends": {
      const from = Number(c.from ?? 0);
      return { sends: recorder.since(from), next: recorder.sends.length, connections: recorder.connections };
    }
    case "hosts": {
      const key = topicKey({ topic: String(c.topic) });
      const mm = transportInternals(transport).deps.matchmaker as RedisMatchmaker;
      const listing = await mm.list(key);
      return { hosts: (listing.find((l) => l.key === key)?.hosts ?? []).map((h) => h.host).sort() };
    }
    case "stats":
      return { stats: { ...transportInternals(transport).engine.stats } };
    case "exit":
      await transport.close();
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown command ${String(c.cmd)}`);
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(line);
  } catch {
    return;
  }
  handle(c).then(
    (r) => emit({ event: "result", req: c.req, ok: true, ...r }),
    (e: unknown) => emit({ event: "result", req: c.req, ok: false, error: errorOf(e) }),
  );
});
emit({ event: "ready", pid: process.pid, at: now() });
