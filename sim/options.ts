/**
 * Everything one simulation run depends on, besides the seed: cluster shape, workload,
 * driver options, faults, and the checkers' slack. Same seed + same SimOptions = same run,
 * bit for bit (same traceHash). `resolveSimOptions` fills defaults from partial input.
 */
import type { DriverOptions, PoolOptions } from "../src/options.js";
import type { FaultAction } from "./faults/actions.js";
import { FAULTS_DEFAULT, type FaultOptions } from "./faults/options.js";
import { resolveNotifyOptions, type NotifyWorkloadOptions } from "./notify/notify-options.js";
import type { SimCurveOptions } from "./cluster/sim-curve.js";

export interface ClusterOptions {
  /** Simulated hosts, one driver process each (10.0.x.y). */
  hosts: number;
  /** Hosts that run an RpcServer: h0 .. h(servers-1). @default hosts */
  servers: number;
  /** Servers per topic; topic of server h is h mod topics. */
  serversPerTopic: number;
  /** Topics each host sends to (chosen per host from the seed). */
  topicsPerClient: number;
  /** RpcServer maxConcurrency. */
  maxConcurrency: number;
  /** Matchmaker round trip (0: the in-process matchmaker answers at once). */
  matchmakerLatencyMs: number;
  /** Time between arrival at a socket and a waiting receive() seeing it. */
  readLatencyMs: number;
  /** "node": timers behave like Node's setTimeout (>= 1 ms, truncated); "exact": sub-ms. */
  timerGranularity: "node" | "exact";
  /**
   * Proxy hosts (spec/proxy.md), each running the unmodified ProxyShell on hosts of their
   * own after the driver hosts (sim/cluster/proxy-host.ts). More than 0 puts every driver
   * process in proxy routing mode (`driver.routing: "proxy"`) unless the input's driver
   * options say otherwise. @default 0 (direct mode)
   */
  proxies: number;
  /**
   * How many of the proxies (the last ones) act as proxies from before batches: they
   * register no `proxy:frontend-batches` entry and drop a batch as malformed
   * (ProxyShellConfig.batches false; spec/proxy.md, "Batches through proxies"). @default 0
   */
  legacyProxies: number;
}

export interface WorkloadOptions {
  /** Requests (calls, casts and fanouts) issued in the safety phase. */
  calls: number;
  /** Arrival rate over the whole cluster, per virtual second (Poisson). */
  ratePerSec: number;
  /**
   * Requests each arrival issues at once, from one host in one instant (a client with
   * several requests in flight, like Promise.all): they queue up behind each other's
   * sends, so the driver coalesces them (spec/codec.md, "Batches"). 1 draws exactly as
   * before. @default 1
   */
  burst: number;
  /** Relative weights of the request kinds (notifications are their own workload: SimOptions.notifications). */
  mix: { call: number; cast: number; fanout: number };
  /** Share of calls and casts addressed to one named server. */
  directedRatio: number;
  timeoutMs: number;
  /** RpcClient retry (null: until the deadline). */
  retry: number | null;
  /** Mean handler time (exponential); 0 answers at once. */
  serviceMsMean: number;
  /** Size of a padding argument in each request. */
  payloadBytes: number;
  /**
   * Share of calls and casts marked idempotent (RpcClient `idempotent`: with acks on, the
   * driver may move one to another server of its topic when its server is believed dead).
   * Drawn per request from a stream of its own ("workload/idempotent"), so it leaves every
   * other draw of the seed as it was. Fanouts and probes never are. @default 0
   */
  idempotentRatio: number;
}

export interface CheckOptions {
  /**
   * A request may settle this long after its deadline (caller's clock) and not count as
   * late. 2 ms: Node timers wait at least 1 ms and truncate fractions, so a deadline timer
   * can fire up to 1 ms early; re-armed for the rest, it waits 1 ms again (spec/sim.md).
   */
  settleSlackMs: number;
  /** Extra time after ttl for a crashed host's entries to be gone. */
  discoverySlackMs: number;
}

export interface SimOptions {
  seed: number;
  cluster: ClusterOptions;
  workload: WorkloadOptions;
  /** Driver options of every process (ports, matchmaker and bindAddress are the simulator's). */
  driver: Omit<DriverOptions, "ports" | "matchmaker" | "bindAddress" | "advertiseHost"> & { pool?: PoolOptions };
  faults: FaultOptions;
  /** An explicit schedule (scenario, fast-check); when absent one is planned from `faults`. */
  schedule?: FaultAction[];
  checks: CheckOptions;
  /** Virtual time before the first request (servers start and register). */
  warmupMs: number;
  /** Name of a planted driver bug (sim/planted-bugs.ts), for tests and demonstrations only. */
  plantedBug?: string;
  /** The notification workload (sim/notify/notify-options.ts); absent: none, and runs keep their trace hashes. */
  notifications?: NotifyWorkloadOptions;
  /** CURVE in every process (sim/cluster/sim-curve.ts); absent: plaintext, and runs keep their trace hashes. */
  curve?: SimCurveOptions;
}

/** Most hosts a run with CURVE may have: every server holds every host's client keys. */
export const MAX_CURVE_HOSTS = 200;

export type SimInput = Partial<
  Omit<SimOptions, "cluster" | "workload" | "driver" | "faults" | "checks" | "notifications" | "curve">
> & {
  curve?: Partial<SimCurveOptions>;
  notifications?: Partial<NotifyWorkloadOptions>;
  cluster?: Partial<ClusterOptions>;
  workload?: Partial<WorkloadOptions>;
  driver?: SimOptions["driver"];
  faults?: Partial<FaultOptions>;
  checks?: Partial<CheckOptions>;
};

/**
 * The driver options every simulated process gets unless the input says otherwise.
 * `balancing` is left to the driver's default (round robin); `--balancing <name>` on the
 * command line (sim/cli/run-one.ts, `withBalancing`) sets it for every process of a run.
 */
export const DEFAULT_DRIVER: SimOptions["driver"] = {
  rpcResponseTimeoutMs: 3000,
  registrationTtlMs: 3000,
  sendTimeoutMs: 1000,
};

export function resolveSimOptions(input: SimInput = {}): SimOptions {
  const hosts = input.cluster?.hosts ?? 20;
  const cluster: ClusterOptions = {
    hosts,
    servers: Math.min(hosts, input.cluster?.servers ?? hosts),
    serversPerTopic: 5,
    topicsPerClient: 3,
    maxConcurrency: 64,
    matchmakerLatencyMs: 0,
    readLatencyMs: 0.02,
    timerGranularity: "node",
    proxies: 0,
    legacyProxies: 0,
    ...input.cluster,
  };
  if (!(Number.isInteger(cluster.proxies) && cluster.proxies >= 0 && cluster.proxies <= 16))
    throw new RangeError(`proxies must be an integer in 0..16, got ${cluster.proxies}`);
  if (
    !(Number.isInteger(cluster.legacyProxies) && cluster.legacyProxies >= 0 && cluster.legacyProxies <= cluster.proxies)
  )
    throw new RangeError(`legacyProxies must be an integer in 0..proxies, got ${cluster.legacyProxies}`);
  cluster.servers = Math.min(hosts, cluster.servers);
  if (hosts < 1 || hosts > 5000) throw new RangeError(`hosts must be in 1..5000, got ${hosts}`);
  if (cluster.servers < 1) throw new RangeError("at least one host must run a server");
  const workload: WorkloadOptions = {
    calls: 2000,
    ratePerSec: 2000,
    burst: 1,
    mix: { call: 0.85, cast: 0.1, fanout: 0.05 },
    directedRatio: 0.1,
    timeoutMs: 3000,
    retry: null,
    serviceMsMean: 0.2,
    payloadBytes: 64,
    idempotentRatio: 0,
    ...input.workload,
  };
  if (!(workload.idempotentRatio >= 0 && workload.idempotentRatio <= 1))
    throw new RangeError(`idempotentRatio must be in [0, 1], got ${workload.idempotentRatio}`);
  if (!Number.isInteger(workload.burst) || workload.burst < 1)
    throw new RangeError(`burst must be an integer >= 1, got ${workload.burst}`);
  const curve = input.curve ? resolveCurve(input.curve, cluster) : undefined;
  return {
    seed: input.seed ?? 0,
    cluster,
    workload,
    driver: {
      ...DEFAULT_DRIVER,
      ...(cluster.proxies > 0 ? { routing: "proxy" as const } : {}),
      ...input.driver,
    },
    faults: { ...FAULTS_DEFAULT, ...input.faults },
    ...(input.schedule ? { schedule: input.schedule } : {}),
    checks: { settleSlackMs: 2, discoverySlackMs: 1, ...input.checks },
    warmupMs: input.warmupMs ?? 100,
    ...(input.plantedBug ? { plantedBug: input.plantedBug } : {}),
    ...(input.notifications && (input.notifications.count ?? 0) > 0
      ? { notifications: resolveNotifyOptions(input.notifications) }
      : {}),
    ...(curve ? { curve } : {}),
  };
}

/** CURVE options checked against the cluster: refused hosts run no server (they only call). */
function resolveCurve(c: Partial<SimCurveOptions>, cluster: ClusterOptions): SimCurveOptions {
  if (cluster.hosts > MAX_CURVE_HOSTS)
    throw new RangeError(`CURVE runs take at most ${MAX_CURVE_HOSTS} hosts, got ${cluster.hosts}`);
  const refusedHosts = [...(c.refusedHosts ?? [])].sort((a, b) => a - b);
  for (const h of refusedHosts)
    if (!Number.isInteger(h) || h < cluster.servers || h >= cluster.hosts)
      throw new RangeError(
        `a refused host must be a client-only host (h${cluster.servers}..h${cluster.hosts - 1}), got ${h}`,
      );
  return { refusedHosts };
}

/**
 * Whether the run's processes use acknowledged delivery: `driver.acks` (DriverOptions
 * `acks`, with `ackTimeoutMs` and `ackResendsPerHost` beside it), passed to every
 * simulated process like every other driver option. Off by default.
 */
export function acksOn(o: SimOptions): boolean {
  return o.driver.acks === true;
}

/** Number of topics the cluster's servers are spread over. */
export function topicCount(c: ClusterOptions): number {
  return Math.max(1, Math.ceil(c.servers / Math.max(1, c.serversPerTopic)));
}
