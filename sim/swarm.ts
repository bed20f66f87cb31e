/**
 * Swarm testing (VOPR's options_swarm): each seed picks its own world. Cluster shape,
 * workload, driver options (timeouts, TTL, HWM, pool cap, grace period) and which fault
 * kinds are enabled at what rates, whether acknowledged delivery is on (with its ACK
 * timeout, resends per host and share of idempotent requests), and whether heartbeats
 * are (with freezes, heartbeat loss and one-way delays), are all drawn from the seed,
 * within the bounds below, so
 * a sweep over seeds explores combinations no hand-written scenario would. Explicit
 * --hosts / --calls on the command line override the drawn values.
 *
 * A seed issues SWARM_REQUEST_SHARE of the request count and rate it draws: the same
 * request window, so the same fault schedule, at a lower request rate (decision
 * docs/decisions/0020-swarm-request-share.md: the planted bugs are caught nearly as often
 * per seed at a fraction of the cost).
 *
 * Proxy routing mode (`--proxies draw`, or a number) is drawn from a stream of its own
 * ("swarm/proxies"), so a seed's world is otherwise what it was: in proxy mode it gets 1
 * to 3 proxies and the proxy faults (crash, partition, slow) on top of its drawn faults.
 */
import { FAULTS_NONE, type FaultOptions, type PartitionMode, type PartitionSymmetry } from "./faults/options.js";
import type { SimInput } from "./options.js";
import { Prng } from "./prng.js";

/** The share of its drawn request count and rate a swarm seed issues (decision 0020). */
export const SWARM_REQUEST_SHARE = 0.35;

export interface SwarmOverrides {
  hosts?: number;
  calls?: number;
  /**
   * false: the world the seed drew before the swarm drew heartbeats, their faults and NTP
   * clocks (heartbeats off, clock offsets as drawn), for regression seeds found then.
   * @default true
   */
  liveness?: boolean;
  /**
   * The share of the drawn request count and rate issued (an explicit `calls` is taken as
   * it is); 1 gives the worlds of swarms before decision 0020. @default SWARM_REQUEST_SHARE
   */
  requestShare?: number;
  /** Proxy routing mode: this many proxies for every seed, or "draw" (each seed draws). @default direct mode */
  proxies?: number | "draw";
  /**
   * Requests each arrival issues at once (WorkloadOptions.burst), for every seed: not
   * drawn, so without it a seed's world is what it was. @default 1
   */
  burst?: number;
}

const pickOne = <T>(rng: Prng, xs: readonly T[]): T => rng.pick(xs);
const maybe = (rng: Prng, p: number, value: number): number => (rng.bernoulli(p) ? value : 0);

function swarmFaults(rng: Prng): FaultOptions {
  return {
    ...FAULTS_NONE,
    oneWayDelayMsMin: pickOne(rng, [0.01, 0.05, 0.2, 1]),
    oneWayDelayMsMean: pickOne(rng, [0.05, 0.2, 1, 5]),
    partitionsPerSec: maybe(rng, 0.5, rng.range(1, 30) / 10),
    partitionMode: pickOne<PartitionMode>(rng, ["isolate_single", "uniform_size", "uniform_partition"]),
    partitionSymmetry: pickOne<PartitionSymmetry>(rng, ["symmetric", "asymmetric", "mixed"]),
    partitionMsMean: rng.range(20, 800),
    clogsPerSec: maybe(rng, 0.5, rng.range(1, 50) / 10),
    clogMsMean: rng.range(5, 500),
    crashesPerSec: maybe(rng, 0.4, rng.range(1, 20) / 10),
    restartMsMean: pickOne(rng, [0, 50, 300, 1000]),
    restartsPerSec: maybe(rng, 0.3, rng.range(1, 20) / 10),
    pausesPerSec: maybe(rng, 0.4, rng.range(1, 30) / 10),
    pauseMsMean: rng.range(5, 500),
    slowPerSec: maybe(rng, 0.4, rng.range(1, 20) / 10),
    slowMsMean: rng.range(20, 800),
    slowServiceMsMean: rng.range(1, 1000),
    hangsPerSec: maybe(rng, 0.3, rng.range(1, 20) / 10),
    hangMsMean: rng.range(20, 800),
    redisOutagesPerSec: maybe(rng, 0.3, rng.range(1, 20) / 10),
    redisOutageMsMean: rng.range(20, 800),
    clockDriftPpmMax: maybe(rng, 0.5, rng.range(1, 2000)),
    clockOffsetMsMax: maybe(rng, 0.5, rng.range(1, 10_000)),
    ...(rng.bernoulli(0.3)
      ? {
          sendHighWaterMark: rng.range(1, 16),
          receiveHighWaterMark: rng.range(1, 16),
          maxQueuedSends: rng.range(1, 32),
        }
      : {}),
    // Drawn last: the draws above stay what they were before duplicates existed.
    duplicatesPerSec: maybe(rng, 0.4, rng.range(1, 30) / 10),
    duplicateMsMean: rng.range(5, 500),
  };
}

/** The options of swarm run `seed` (deterministic in the seed). */
export function optionsSwarm(seed: number, o: SwarmOverrides = {}): SimInput {
  const rng = Prng.derive(seed, "swarm");
  // Every value is drawn even when overridden, so an override changes that value only,
  // never the rest of the seed's world.
  const drawnHosts = rng.range(2, 40);
  const hosts = o.hosts ?? drawnHosts;
  const timeoutMs = pickOne(rng, [100, 300, 1000, 3000]);
  const share = o.requestShare ?? SWARM_REQUEST_SHARE;
  const issued = (drawn: number): number => Math.max(1, Math.round(drawn * share));
  const input = {
    seed,
    cluster: {
      hosts,
      servers: Math.max(1, Math.round(hosts * (rng.range(5, 10) / 10))),
      serversPerTopic: rng.range(1, 6),
      topicsPerClient: rng.range(1, 4),
      maxConcurrency: pickOne(rng, [1, 4, 64]),
      matchmakerLatencyMs: pickOne(rng, [0, 0, 0.5, 2]),
      readLatencyMs: pickOne(rng, [0, 0.02, 0.1]),
    },
    workload: {
      calls: overrideOr(o.calls, issued(rng.range(200, 2000))),
      ratePerSec: issued(rng.range(200, 3000)),
      mix: { call: rng.range(1, 10), cast: rng.range(0, 5), fanout: rng.range(0, 3) },
      directedRatio: rng.range(0, 5) / 10,
      timeoutMs,
      retry: rng.bernoulli(0.7) ? null : rng.range(0, 3),
      serviceMsMean: pickOne(rng, [0, 0.2, 2, 20]),
      payloadBytes: pickOne(rng, [0, 64, 1024]),
    },
    driver: {
      rpcResponseTimeoutMs: timeoutMs,
      registrationTtlMs: rng.range(300, 5000),
      sendTimeoutMs: rng.range(20, 2000),
      hostWaitIntervalMs: rng.range(5, 200),
      stopGraceMs: pickOne(rng, [0, 20, 100]),
      pool: {
        maxSockets: pickOne(rng, [2, 8, 64, 128]),
        maxInFlightPerPeer: pickOne(rng, [4, 100, 1000]),
        idleTimeoutMs: pickOne(rng, [50, 1000, 60_000]),
      },
    },
    faults: swarmFaults(rng),
  } satisfies SimInput;
  // Drawn after everything else, so that the rest of a seed's world is what it was before
  // acknowledged delivery existed, and a seed drawn with acks off runs exactly as before
  // (same trace hash): it marks nothing idempotent either.
  const acks = rng.bernoulli(0.5);
  // An ACK takes a round trip: a wait shorter than a few of them believes healthy hosts
  // dead at random, and fails even the liveness probes (not idempotent) for no fault at
  // all. At 20 times the one-way delay's scale that happens about once in 10^7 copies.
  const net = input.faults;
  const ackTimeoutMs = Math.max(
    pickOne(rng, [5, 20, 100, 1000]),
    Math.ceil(20 * (net.oneWayDelayMsMin + net.oneWayDelayMsMean)),
  );
  const ackResendsPerHost = pickOne(rng, [0, 1, 2, 3]);
  const idempotentRatio = pickOne(rng, [0, 0.5, 0.9, 1]);
  const acked = acks
    ? {
        ...input,
        workload: { ...input.workload, idempotentRatio },
        driver: { ...input.driver, acks, ackTimeoutMs, ackResendsPerHost },
      }
    : input;
  const world =
    o.liveness === false ? { ...acked, driver: { ...acked.driver, heartbeatIntervalMs: 0 } } : liveness(rng, acked);
  const burst = o.burst === undefined ? world : { ...world, workload: { ...world.workload, burst: o.burst } };
  return o.proxies === undefined ? burst : proxyMode(seed, o.proxies, burst);
}

/**
 * The seed's routing mode, from a stream of its own: with "draw", half the seeds stay in
 * direct mode (unchanged), the others get 1 to 3 proxies; in proxy mode each proxy fault
 * kind is on in two seeds of three, at 0.1 to 2 per second.
 */
function proxyMode(seed: number, proxies: number | "draw", input: SimInput): SimInput {
  const rng = Prng.derive(seed, "swarm/proxies");
  const on = proxies !== "draw" || rng.bernoulli(0.5);
  const n = proxies === "draw" ? rng.range(1, 3) : proxies;
  const faults = {
    proxyCrashesPerSec: maybe(rng, 0.67, rng.range(1, 20) / 10),
    proxyPartitionsPerSec: maybe(rng, 0.67, rng.range(1, 20) / 10),
    proxyPartitionMsMean: rng.range(20, 800),
    proxySlowPerSec: maybe(rng, 0.67, rng.range(1, 20) / 10),
    proxySlowMsMean: rng.range(20, 800),
    proxySlowExtraMsMean: pickOne(rng, [1, 10, 100]),
  };
  if (!on) return input;
  return {
    ...input,
    cluster: { ...input.cluster, proxies: n },
    driver: { ...input.driver, routing: "proxy" },
    faults: { ...input.faults, ...faults },
  };
}

/**
 * Drawn after everything else (as acks are), so that the rest of a seed's world stays
 * what it was. Half the seeds turn ZMTP heartbeats on (interval 20 ms to 1 s, timeout 2
 * to 5 intervals) with the faults they are about: frozen processes, heartbeat loss,
 * one-way delays; the other half run with heartbeats off and none of those faults,
 * exactly as before the simulated sockets had heartbeats. Clock offsets: four seeds in
 * five model NTP-synced hosts (the drawn offset scaled down to at most 100 ms); the
 * fifth keeps clocks up to 10 s apart.
 */
function liveness(rng: Prng, input: SimInput): SimInput {
  const live = rng.bernoulli(0.5);
  const heartbeatIntervalMs = pickOne(rng, [20, 100, 1000]);
  const heartbeatTimeoutMs = heartbeatIntervalMs * pickOne(rng, [2, 3, 5]);
  const faults = {
    freezesPerSec: maybe(rng, 0.5, rng.range(1, 20) / 10),
    freezeMsMean: rng.range(20, 2000),
    heartbeatLossPerSec: maybe(rng, 0.5, rng.range(1, 20) / 10),
    heartbeatLossMsMean: rng.range(20, 2000),
    delaysPerSec: maybe(rng, 0.5, rng.range(1, 30) / 10),
    delayMsMean: rng.range(20, 2000),
    delayExtraMsMean: pickOne(rng, [1, 10, 100, 1000]),
  };
  const ntp = rng.bernoulli(0.8);
  const offset = input.faults?.clockOffsetMsMax ?? 0;
  const clockOffsetMsMax = ntp ? Math.ceil(offset / 100) : offset;
  return {
    ...input,
    driver: live
      ? { ...input.driver, heartbeatIntervalMs, heartbeatTimeoutMs }
      : { ...input.driver, heartbeatIntervalMs: 0 },
    faults: { ...input.faults, ...(live ? faults : {}), clockOffsetMsMax },
  };
}

/** The override when given, else the drawn value (which is drawn either way). */
function overrideOr(override: number | undefined, drawn: number): number {
  return override ?? drawn;
}
