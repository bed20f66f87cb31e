/**
 * The measuring loops every end-to-end scenario uses, one round each, the same for every
 * system so that only the system differs:
 * - closed-loop calls: `inFlight` workers each call, await the reply, call again until the
 *   round's time is up; every call's latency is kept (p50, p99 of the round) and the
 *   calls completed over the round's wall time give calls/s;
 * - one-way flows: bursts of sends for the round's time, at most `window` deliveries not
 *   yet received at any moment (so a system that only buffers cannot run ahead of its
 *   receivers), then a wait until the receivers have everything: deliveries received over
 *   the wall time including that drain.
 */
import { performance } from "node:perf_hooks";
import type { BenchSystem, OneWay, Payload, Sample } from "../types.js";
import { quantile } from "../stats.js";

/** One payload size in every form the systems send it (spec/benchmarks.md, "Payloads"). */
export function payloadOf(bytes: number): Payload {
  const text = "x".repeat(bytes);
  return {
    bytes,
    text,
    buf: Buffer.alloc(bytes, "x"),
    // What the driver's codec writes for client.call({}, "echo", { d: text }) (spec/codec.md).
    rawFrame: Buffer.from(JSON.stringify([{}, { method: "echo", args: { d: text } }])),
  };
}

/** Closed-loop calls with `inFlight` outstanding for `timeMs`. */
export async function callRound(sys: BenchSystem, payload: Payload, inFlight: number, timeMs: number): Promise<Sample> {
  const call = sys.call!.bind(sys);
  const latencies: number[] = [];
  const t0 = performance.now();
  const end = t0 + timeMs;
  const worker = async (): Promise<void> => {
    for (let t = performance.now(); t < end; ) {
      await call(payload);
      const t1 = performance.now();
      latencies.push(t1 - t);
      t = t1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsedMs = performance.now() - t0;
  return {
    opsPerSec: latencies.length / (elapsedMs / 1000),
    p50Us: quantile(latencies, 0.5) * 1000,
    p99Us: quantile(latencies, 0.99) * 1000,
  };
}

/** Sends per burst: enough for a system that coalesces to have something queued. */
const BURST = 64;
/** How long a round waits for its last deliveries before counting the rest as lost. */
const DRAIN_LIMIT_MS = 10_000;

/** Deliveries allowed in flight: about 4 MiB of payload, between 256 and 8192 messages. */
export function windowFor(payload: Payload, perSend: number): number {
  const w = Math.floor((4 * 1024 * 1024) / Math.max(1, payload.bytes));
  return Math.max(256, Math.min(8192, w), BURST * perSend * 2);
}

/** One-way sends for `timeMs`, counted where they are received. */
export async function oneWayRound(flow: OneWay, payload: Payload, timeMs: number): Promise<Sample> {
  const base = flow.received.value;
  const window = windowFor(payload, flow.perSend);
  let expected = 0;
  const t0 = performance.now();
  const end = t0 + timeMs;
  while (performance.now() < end) {
    await flow.sendBurst(payload, BURST);
    expected += BURST * flow.perSend;
    const behind = expected - (flow.received.value - base);
    if (behind > window) await flow.received.atLeast(base + expected - window / 2, DRAIN_LIMIT_MS);
  }
  await flow.received.atLeast(base + expected, DRAIN_LIMIT_MS);
  const elapsedMs = performance.now() - t0;
  const got = Math.min(expected, flow.received.value - base);
  // A late delivery of this round must not count in the next one.
  if (got < expected) flow.received.value = base + expected;
  return { opsPerSec: got / (elapsedMs / 1000), p50Us: null, p99Us: null, lost: expected - got };
}
