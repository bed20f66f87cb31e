/**
 * The scenarios of `npm run bench` (spec/benchmarks.md has the table with why each is
 * there). Each end-to-end scenario runs for the driver and raw zeromq.js in the same
 * rounds, and for the peers that offer the same work. The matrix is not full: payload
 * sizes are varied where they change the picture (one call at a time, 64 in flight,
 * casts), in-flight depths at 100 B only.
 * `quick`: part of `--quick` (the figures of the table and the micro-benchmarks).
 */
import type { BenchSystem, Result, Sample, SystemName } from "../types.js";
import { callRound, oneWayRound, payloadOf } from "./loops.js";

export interface Scenario {
  readonly name: string;
  readonly what: string;
  readonly unit: string;
  readonly primary: Result["primary"];
  readonly systems: readonly SystemName[];
  readonly quick: boolean;
  /** Whether `sys` offers this work (gRPC has no fanout, the CURVE variants only calls). */
  supports(sys: BenchSystem): boolean;
  /** One measured round for `sys`. */
  round(sys: BenchSystem, timeMs: number): Promise<Sample>;
}

const PEERS: readonly SystemName[] = ["driver", "raw-zmq", "nats", "nats-json", "rabbitmq", "grpc"];
const SIZES = { "100 B": 100, "1 KiB": 1024, "64 KiB": 65536 } as const;
type Size = keyof typeof SIZES;
const suffix = (size: Size): string => (size === "100 B" ? "" : size === "1 KiB" ? "-1k" : "-64k");

function calls(inFlight: number, size: Size, quick: boolean, name?: string, systems = PEERS): Scenario {
  const payload = payloadOf(SIZES[size]);
  return {
    name: name ?? `call-${inFlight}${suffix(size)}`,
    what:
      inFlight === 1
        ? `calls one at a time, ${size} each way: latency`
        : `calls with ${inFlight} in flight, ${size} each way: throughput`,
    unit: "calls/s",
    primary: inFlight === 1 ? "p50Us" : "opsPerSec",
    systems,
    quick,
    supports: (sys) => sys.call !== undefined,
    round: (sys, timeMs) => callRound(sys, payload, inFlight, timeMs),
  };
}

function oneWay(
  kind: "cast" | "fanout" | "notify",
  name: string,
  what: string,
  unit: string,
  size: Size,
  systems: readonly SystemName[],
  quick: boolean,
): Scenario {
  const payload = payloadOf(SIZES[size]);
  return {
    name,
    what,
    unit,
    primary: "opsPerSec",
    systems,
    quick,
    supports: (sys) => sys[kind] !== undefined,
    round: (sys, timeMs) => oneWayRound(sys[kind]!, payload, timeMs),
  };
}

const casts = (size: Size, quick: boolean): Scenario =>
  oneWay("cast", `cast${suffix(size)}`, `one-way casts, ${size}, counted as received`, "msgs/s", size, PEERS, quick);

export const SCENARIOS: readonly Scenario[] = [
  calls(1, "100 B", true),
  calls(8, "100 B", false),
  calls(64, "100 B", true),
  calls(256, "100 B", false),
  calls(1, "1 KiB", false),
  calls(1, "64 KiB", false),
  calls(64, "1 KiB", false),
  calls(64, "64 KiB", false),
  casts("100 B", true),
  casts("1 KiB", false),
  casts("64 KiB", false),
  oneWay(
    "fanout",
    "fanout-10",
    "one-way fanout to 10 servers, 100 B, counted per server",
    "deliveries/s",
    "100 B",
    ["driver", "raw-zmq", "nats", "nats-json", "rabbitmq"],
    true,
  ),
  oneWay("notify", "notify", "notifications, notifier to one listener, 100 B", "msgs/s", "100 B", ["driver"], true),
  calls(1, "100 B", false, "proxy-call-1", ["driver", "driver-proxy", "raw-zmq"]),
  calls(64, "100 B", false, "proxy-call-64", ["driver", "driver-proxy", "raw-zmq"]),
  calls(1, "100 B", false, "curve-call-1", ["driver", "driver-curve", "raw-zmq", "raw-zmq-curve"]),
  calls(64, "100 B", false, "curve-call-64", ["driver", "driver-curve", "raw-zmq", "raw-zmq-curve"]),
];

/** The micro-benchmarks' scenario name (tinybench, micro.ts). */
export const MICRO = "micro";

/** Every scenario name `--only` accepts. */
export const SCENARIO_NAMES: readonly string[] = [...SCENARIOS.map((s) => s.name), MICRO];
