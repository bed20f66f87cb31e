/**
 * The ratios a reader of `npm run bench` tracks (spec/benchmarks.md, "Ratios"), each the
 * median of per-round ratios of two systems measured in the same rounds (stats.ts,
 * pairedRatio): the driver against raw zeromq.js, against each peer, and the proxy and
 * CURVE A/B. A latency ratio above 1 and a throughput ratio below 1 mean the driver is slower.
 */
import { pairedRatio } from "./stats.js";
import type { Ratios, Results } from "./types.js";

type Figure = "p50Us" | "opsPerSec";

function seriesOf(results: Results, scenario: string, system: string, f: Figure): number[] | undefined {
  return results[scenario]?.[system]?.samples.map((s) => s[f] ?? Number.NaN);
}

/** results[scenario][a] / results[scenario][b] for figure `f`, paired by round. */
export function ratioOf(results: Results, scenario: string, a: string, b: string, f: Figure): number | null {
  return pairedRatio(seriesOf(results, scenario, a, f), seriesOf(results, scenario, b, f));
}

/** The driver against `ref` on the three headline figures. */
function headline(results: Results, ref: string, driver = "driver") {
  return {
    callLatencyP50: ratioOf(results, "call-1", driver, ref, "p50Us"),
    callThroughput64: ratioOf(results, "call-64", driver, ref, "opsPerSec"),
    castThroughput: ratioOf(results, "cast", driver, ref, "opsPerSec"),
  };
}

const anyNumber = (o: Record<string, number | null>): boolean => Object.values(o).some((v) => v !== null);

export function computeRatios(results: Results): Ratios {
  const ratios: Ratios = { ...headline(results, "raw-zmq") };
  const vsNats = headline(results, "nats");
  if (anyNumber(vsNats)) ratios.vsNats = vsNats;
  for (const [key, peer] of [
    ["vsNatsJson", "nats-json"],
    ["vsRabbitmq", "rabbitmq"],
    ["vsGrpc", "grpc"],
  ] as const) {
    const r = headline(results, peer);
    if (anyNumber(r)) ratios[key] = r;
  }
  const extra: Record<string, number | null> = {
    fanoutThroughput: ratioOf(results, "fanout-10", "driver", "raw-zmq", "opsPerSec"),
    fanoutVsNats: ratioOf(results, "fanout-10", "driver", "nats", "opsPerSec"),
    fanoutVsNatsJson: ratioOf(results, "fanout-10", "driver", "nats-json", "opsPerSec"),
    proxyCallLatencyP50: ratioOf(results, "proxy-call-1", "driver-proxy", "driver", "p50Us"),
    proxyCallThroughput64: ratioOf(results, "proxy-call-64", "driver-proxy", "driver", "opsPerSec"),
    curveCallLatencyP50: ratioOf(results, "curve-call-1", "driver-curve", "driver", "p50Us"),
    curveCallThroughput64: ratioOf(results, "curve-call-64", "driver-curve", "driver", "opsPerSec"),
    rawCurveCallLatencyP50: ratioOf(results, "curve-call-1", "raw-zmq-curve", "raw-zmq", "p50Us"),
    rawCurveCallThroughput64: ratioOf(results, "curve-call-64", "raw-zmq-curve", "raw-zmq", "opsPerSec"),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== null) ratios[k] = v;
  return ratios;
}

/** Each ratio in words, for the human report: [label, value, what it compares]. */
export const RATIO_LABELS: Record<string, string> = {
  callLatencyP50: "call p50, one at a time: driver / raw zeromq.js",
  callThroughput64: "calls/s, 64 in flight: driver / raw zeromq.js",
  castThroughput: "casts/s received: driver / raw zeromq.js",
  fanoutThroughput: "fanout to 10, deliveries/s: driver / raw zeromq.js",
  fanoutVsNats: "fanout to 10, deliveries/s: driver / NATS",
  fanoutVsNatsJson: "fanout to 10, deliveries/s: driver / NATS + JSON",
  proxyCallLatencyP50: "call p50 via a proxy / direct",
  proxyCallThroughput64: "calls/s, 64 in flight, via a proxy / direct",
  curveCallLatencyP50: "call p50 with CURVE / plaintext (driver)",
  curveCallThroughput64: "calls/s, 64 in flight, CURVE / plaintext (driver)",
  rawCurveCallLatencyP50: "call p50 with CURVE / plaintext (raw zeromq.js)",
  rawCurveCallThroughput64: "calls/s, 64 in flight, CURVE / plaintext (raw zeromq.js)",
};
