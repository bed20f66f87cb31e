/**
 * The shapes shared by the benchmark suite (spec/benchmarks.md): what a system under test
 * offers, what one measured round gives (a sample), what a scenario's figures are after
 * its rounds, and the JSON report `npm run bench -- --json` prints and `--compare` reads.
 */
import type { Counter } from "./systems/counter.js";

/** The systems a scenario can run for; the peers are set up only when their server can start. */
export const SYSTEM_NAMES = [
  "driver",
  "raw-zmq",
  "nats",
  "nats-json",
  "rabbitmq",
  "grpc",
  "driver-proxy",
  "driver-curve",
  "raw-zmq-curve",
] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/** One payload size, in every form the systems send it. */
export interface Payload {
  readonly bytes: number;
  /** `bytes` characters: the driver's argument (`{ d: text }`), carried as JSON. */
  readonly text: string;
  /** `bytes` bytes: what the peers (NATS, RabbitMQ, gRPC) carry as the message body. */
  readonly buf: Buffer;
  /** The JSON payload frame the driver's codec writes for `echo({ d: text })`: what raw zeromq.js sends. */
  readonly rawFrame: Buffer;
}

/** A one-way flow: casts, fanout or notifications, counted where they are received. */
export interface OneWay {
  /** Deliveries one send makes (10 for a fanout to 10 servers). */
  readonly perSend: number;
  /** Deliveries received by the server side(s). */
  readonly received: Counter;
  /** Sends `n` messages the way the system sends them; resolves once the client side accepted them. */
  sendBurst(payload: Payload, n: number): Promise<void>;
}

/** A system under test: client and server(s) set up once for the run. */
export interface BenchSystem {
  readonly name: SystemName;
  /** One round trip carrying the payload both ways. */
  call?(payload: Payload): Promise<unknown>;
  cast?: OneWay;
  fanout?: OneWay;
  notify?: OneWay;
  close(): Promise<void>;
}

/** One measured round of one scenario for one system. */
export interface Sample {
  opsPerSec: number;
  /** Latency of the calls of the round (median, 99th percentile), µs; null for one-way flows. */
  p50Us: number | null;
  p99Us: number | null;
  /** One-way deliveries still missing when the round gave up waiting for them (0 normally). */
  lost?: number;
}

/** A scenario's figures for one system: medians over its samples, and the samples. */
export interface Result {
  opsPerSec: number;
  p50Us: number | null;
  p99Us: number | null;
  unit: string;
  /** The figure `--compare` judges: "p50Us" (lower is better) or "opsPerSec" (higher is better). */
  primary: "p50Us" | "opsPerSec";
  samples: Sample[];
}

export type Results = Record<string, Record<string, Result>>;

export interface Ratios {
  /** driver p50 / raw zeromq.js p50, calls one at a time (100 B). */
  callLatencyP50: number | null;
  /** driver calls/s / raw zeromq.js calls/s, 64 in flight (100 B). */
  callThroughput64: number | null;
  /** driver casts/s received / raw zeromq.js casts/s received (100 B). */
  castThroughput: number | null;
  /** The same three with NATS in place of raw zeromq.js, when NATS ran. */
  vsNats?: { callLatencyP50: number | null; callThroughput64: number | null; castThroughput: number | null };
  /** The same three with NATS carrying JSON (nats-json), when it ran. */
  vsNatsJson?: { callLatencyP50: number | null; callThroughput64: number | null; castThroughput: number | null };
  /** Other ratios (proxy, CURVE, peers), named `<what>`: driver-side / reference. */
  [name: string]: unknown;
}

export interface Meta {
  node: string;
  cpuModel: string;
  cpus: number;
  loadAverage: { start: number[]; end: number[] };
  date: string;
  gitRevision: string | null;
  options: Record<string, unknown>;
  /** Systems not run, with the reason (a server binary missing, a start that failed). */
  skipped: { system: string; reason: string }[];
}

export interface BenchReport {
  schema: 1;
  meta: Meta;
  results: Results;
  ratios: Ratios;
}
