/**
 * One simulation run, in phases (VOPR's safety + liveness, then a clean shutdown):
 *
 * 1. start:    every host starts its transport and server; warm-up lets them register.
 * 2. safety:   requests arrive while the fault schedule plays out.
 * 3. liveness: once the last request is issued, every fault heals (crashed hosts
 *              restart); outstanding requests must drain within their timeout. After the
 *              TTL of stale registrations, one probe call per topic must succeed.
 * 4. checks:   the checkers judge the history.
 * 5. shutdown: every transport closes; no timer or socket may remain.
 *
 * Nothing in here reads real time except `wallMs` (reported, never used by the simulation).
 */
import { SimCurve } from "./cluster/sim-curve.js";
import { performance } from "node:perf_hooks";
import { InProcessMatchmaker } from "../src/matchmaker/in-process.js";
import { armDiscoveryProbe, CHECKERS, cleanShutdown } from "./checkers/index.js";
import type { CheckInput } from "./checkers/index.js";
import { Cluster } from "./cluster/cluster.js";
import type { SimContext } from "./context.js";
import type { FaultAction } from "./faults/actions.js";
import { FaultInjector } from "./faults/injector.js";
import { planFaults } from "./faults/planner.js";
import { CallLog, KIND, OUTCOME } from "./history/call-log.js";
import { DiscoveryLog } from "./history/discovery-log.js";
import { ExecLog } from "./history/exec-log.js";
import { FaultLog } from "./history/fault-log.js";
import { ReadLog } from "./history/read-log.js";
import { RoutingLog } from "./history/routing-log.js";
import { SimNetwork } from "./net/network.js";
import type { SimSocket } from "./net/sim-socket.js";
import type { HostProcess } from "./host-process.js";
import { serverKey } from "./history/exec-log.js";
import { resolveSimOptions, type SimInput, type SimOptions } from "./options.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";
import type { DrainMode } from "./drain.js";
import { SIM_EPOCH_BASE_MS, skewBoundMs } from "./host-clock.js";
import { suspendStackTraces } from "./stack-traces.js";
import { Trace } from "./trace.js";
import { Violations, type Violation } from "./violations.js";
import { Workload } from "./workload.js";
import { NotifyLog } from "./notify/notify-log.js";
import { NotifyWorkload } from "./notify/notify-workload.js";

export interface RunHooks {
  /** Progress in [0, 1] of the safety phase, called every few thousand batches. */
  onProgress?: (fraction: number) => void;
  /** Receives every trace line (slow: for small runs and debugging). */
  traceSink?: (line: string) => void;
  /** How microtasks are drained between instants (same results either way). @default "sync" */
  drain?: DrainMode;
}

export interface SimResult {
  options: SimOptions;
  schedule: FaultAction[];
  hosts: number;
  calls: number;
  simulatedMs: number;
  wallMs: number;
  traceHash: string;
  settled: { replied: number; timedOut: number; failed: number };
  abandoned: number;
  violations: Violation[];
  violationCounts: Record<string, number>;
  figures: Record<string, number>;
  /** Everything the report draws from. */
  ctx: SimContext;
  cluster: Cluster;
  healUs: number;
}

const ms = (x: number): number => Math.round(x * 1000);
/** Virtual time the cluster gets after healing to finish all work (server backlogs included). */
const DRAIN_BUDGET_MS = 120_000;
/** Probe calls (liveness) wait this long at least: they prove progress, not latency. */
const PROBE_TIMEOUT_MS = 10_000;
/** DriverOptions.circuitBreaker.maxCoolDownMs's default (src/options.ts). */
const BREAKER_MAX_COOL_DOWN_MS = 30_000;

export async function runSimulation(input: SimInput, hooks: RunHooks = {}): Promise<SimResult> {
  const wallStart = performance.now();
  const options = resolveSimOptions(input);
  const ctx = makeContext(options, hooks.drain ?? "sync");
  if (hooks.traceSink) ctx.trace.sink = hooks.traceSink;
  const uninstall = installSafetyNets(ctx);
  const resumeStackTraces = suspendStackTraces(); // 14 % of a swarm seed's time: sim/stack-traces.ts
  try {
    const cluster = new Cluster(ctx);
    cluster.onCrash = (c) => armDiscoveryProbe(ctx, c);
    const workload = new Workload(ctx, cluster);
    const n = options.notifications;
    const notify = n && ctx.notifies ? new NotifyWorkload(ctx, cluster, ctx.notifies, n) : undefined;
    const injector = new FaultInjector(ctx, cluster);
    await startPhase(ctx, cluster);
    const schedule = await safetyPhase(ctx, cluster, workload, injector, hooks, notify);
    const healUs = await livenessPhase(ctx, cluster, workload, injector);
    ctx.trace.record("phase", 4);
    const checkInput: CheckInput = { ctx, cluster, healUs };
    const figures: Record<string, number> = {};
    for (const c of CHECKERS) Object.assign(figures, c.check(checkInput) ?? {});
    await shutdownPhase(ctx, cluster);
    Object.assign(figures, cleanShutdown.check(checkInput) ?? {});
    const { scheduler, calls, net } = ctx;
    Object.assign(figures, {
      events: scheduler.eventsRun,
      timeSteps: scheduler.batches,
      delivered: net.stats.delivered,
      connectRetries: net.stats.connectRetries,
      linksUp: net.stats.linksUp,
      duplicated: net.stats.duplicated,
      droppedByFault: net.stats.droppedByFault,
      ...(options.curve ? { refusedHandshakes: net.stats.handshakeFailures } : {}),
    });
    for (const p of cluster.proxies) {
      const f = p.forwarded();
      figures.proxyRouted = (figures.proxyRouted ?? 0) + f.routed;
      figures.proxyBatches = (figures.proxyBatches ?? 0) + f.batches;
      figures.proxyPublished = (figures.proxyPublished ?? 0) + f.published;
      figures.proxyBack = (figures.proxyBack ?? 0) + f.back;
      figures.proxyNoRoute = (figures.proxyNoRoute ?? 0) + f.noRoute;
      figures.proxyMalformed = (figures.proxyMalformed ?? 0) + f.malformed;
      figures.proxyCrashes = (figures.proxyCrashes ?? 0) + p.crashes;
    }
    const count = (o: number): number => calls.count(o as 0);
    return {
      options,
      schedule,
      hosts: options.cluster.hosts,
      calls: workload.issued,
      simulatedMs: scheduler.nowUs / 1000,
      wallMs: Math.round(performance.now() - wallStart),
      traceHash: ctx.trace.hash(),
      settled: { replied: count(OUTCOME.replied), timedOut: count(OUTCOME.timedOut), failed: count(OUTCOME.failed) },
      abandoned: count(OUTCOME.abandoned),
      violations: ctx.violations.list(),
      violationCounts: ctx.violations.byChecker(),
      figures,
      ctx,
      cluster,
      healUs,
    };
  } finally {
    resumeStackTraces();
    uninstall();
  }
}

/** Phase 1: every host starts; the warm-up lets servers bind and register. */
async function startPhase(ctx: SimContext, cluster: Cluster): Promise<void> {
  ctx.trace.record("phase", 1);
  let started = false;
  void cluster.startAll().then(() => (started = true));
  const warmupUs = ms(ctx.options.warmupMs);
  await ctx.scheduler.run({ stop: () => started, untilUs: warmupUs });
  await ctx.scheduler.run({ untilUs: warmupUs });
}

/** Phase 2: requests flow while the fault schedule plays out; returns the schedule. */
async function safetyPhase(
  ctx: SimContext,
  cluster: Cluster,
  workload: Workload,
  injector: FaultInjector,
  hooks: RunHooks,
  notify: NotifyWorkload | undefined,
): Promise<FaultAction[]> {
  ctx.trace.record("phase", 2);
  const { options, scheduler } = ctx;
  const w = options.workload;
  const windowMs = (w.calls / w.ratePerSec) * 1000;
  const window = {
    fromMs: options.warmupMs,
    toMs: options.warmupMs + windowMs,
    hosts: options.cluster.hosts,
    servers: cluster.serversOfTopic.flat(),
    proxies: cluster.proxies.length,
  };
  const schedule = options.schedule ?? planFaults(options.faults, window, Prng.derive(options.seed, "faults"));
  injector.schedule(schedule);
  workload.start(ms(options.warmupMs));
  notify?.start(ms(options.warmupMs));
  let batches = 0;
  const progress = hooks.onProgress;
  await scheduler.run({
    stop: notify ? () => workload.done && notify.done : () => workload.done,
    onBatch: progress
      ? () => (++batches & 4095) === 0 && progress((workload.issued + workload.skipped) / Math.max(1, w.calls))
      : undefined,
  });
  const lastFaultMs = schedule.reduce((m, a) => Math.max(m, a.atMs), 0);
  await scheduler.run({ untilUs: Math.max(scheduler.nowUs, ms(lastFaultMs)) });
  return schedule;
}

/**
 * Phase 3: every fault heals; the cluster must drain (every request settled, no message in
 * flight, no server with work queued or running: requests whose callers gave up still run,
 * oslo has no cancellation); after the TTL of stale registrations and the longest breaker
 * cool-down one probe call per topic must succeed, and the cluster must drain again. Returns the time the faults healed.
 */
async function livenessPhase(
  ctx: SimContext,
  cluster: Cluster,
  workload: Workload,
  injector: FaultInjector,
): Promise<number> {
  ctx.trace.record("phase", 3);
  const { options, scheduler, calls, net } = ctx;
  injector.heal();
  const healUs = scheduler.nowUs;
  const notifying = (): number => ctx.notifies?.open ?? 0;
  const drained = (): boolean =>
    calls.open === 0 && notifying() === 0 && net.stats.inTransit === 0 && cluster.pendingServerWork() === 0;
  const drain = async (): Promise<void> => {
    await scheduler.run({ stop: drained, untilUs: scheduler.nowUs + ms(DRAIN_BUDGET_MS) });
    if (drained()) return;
    ctx.violations.add({
      checker: "liveness-after-healing",
      message: `work did not drain within ${DRAIN_BUDGET_MS / 1000} s: ${calls.open} requests open, ${notifying() > 0 ? `${notifying()} notifications open, ` : ""}${net.stats.inTransit} messages in flight, ${cluster.pendingServerWork()} server requests pending`,
      atUs: scheduler.nowUs,
    });
  };
  await drain();
  const ttl = options.driver.registrationTtlMs ?? 0;
  await scheduler.run({
    untilUs: Math.max(scheduler.nowUs, healUs + ms(ttl * 1.01 + options.checks.discoverySlackMs + 100)),
  });
  // A client's breaker may still hold the one server of a topic open (tripped at the
  // healing: its registration expired while it was paused), and then refuses a call to
  // the topic at once: the probes wait out the longest cool-down since the last trip.
  const opened = ctx.routing.lastOpenedUs;
  const coolDownMs = options.driver.circuitBreaker?.maxCoolDownMs ?? BREAKER_MAX_COOL_DOWN_MS;
  if (opened >= 0) await scheduler.run({ untilUs: Math.max(scheduler.nowUs, opened + ms(coolDownMs + 1)) });
  // Servers drop requests past their deadline on their own wall clock: a probe must
  // outlast the most a server's clock can run ahead of its caller's.
  const f = options.faults;
  const skewMs = skewBoundMs(f.clockOffsetMsMax, f.clockDriftPpmMax, scheduler.nowUs + ms(2 * PROBE_TIMEOUT_MS));
  const probeTimeoutMs = Math.max(options.workload.timeoutMs, PROBE_TIMEOUT_MS + Math.ceil(skewMs));
  workload.probe(0, probeTimeoutMs);
  await scheduler.run({ stop: () => calls.open === 0, untilUs: scheduler.nowUs + ms(probeTimeoutMs * 1.01 + 1000) });
  await drain();
  return healUs;
}

/** Phase 5: Transport.close() everywhere; the network must fall quiet. */
async function shutdownPhase(ctx: SimContext, cluster: Cluster): Promise<void> {
  ctx.trace.record("phase", 5);
  const { scheduler } = ctx;
  let closed = false;
  void cluster.closeAll().then(() => (closed = true));
  await scheduler.run({ stop: () => closed, untilUs: scheduler.nowUs + ms(10_000) });
  await scheduler.run({ untilUs: scheduler.nowUs + ms(5_000) });
  if (!closed)
    ctx.violations.add({
      checker: cleanShutdown.name,
      message: "Transport.close() did not finish within 10 s of virtual time",
    });
}

function makeContext(options: SimOptions, drain: DrainMode): SimContext {
  const scheduler = new Scheduler(drain);
  const trace = new Trace(() => scheduler.nowUs);
  const f = options.faults;
  const net = new SimNetwork(scheduler, trace, Prng.derive(options.seed, "net"), {
    oneWayDelayMsMin: f.oneWayDelayMsMin,
    oneWayDelayMsMean: f.oneWayDelayMsMean,
    readLatencyMs: options.cluster.readLatencyMs,
    ...(f.receiveHighWaterMark !== undefined ? { receiveHighWaterMark: f.receiveHighWaterMark } : {}),
  });
  const capacity = options.workload.calls + 4 * options.cluster.hosts + 16;
  const calls = new CallLog(capacity);
  const reads = new ReadLog(capacity, () => scheduler.nowUs);
  net.onWireLoss = (flow, frames) => {
    const server = flow.dst.owner as SimSocket;
    if (server.kind === "router")
      reads.lostOnWire(frames, serverKey(server.host, (server.proc as HostProcess).incarnation));
  };
  const matchmaker = new InProcessMatchmaker({
    nowMs: () => scheduler.nowUs / 1000,
    epochMs: () => SIM_EPOCH_BASE_MS + scheduler.nowUs / 1000,
    setTimer: () => 0,
    clearTimer: () => undefined,
  });
  return {
    options,
    scheduler,
    trace,
    net,
    matchmaker,
    calls,
    exec: new ExecLog(
      capacity,
      (n) => calls.kind[n] === KIND.fanout,
      () => calls.size,
      () => scheduler.nowUs,
    ),
    reads,
    discovery: new DiscoveryLog(),
    routing: new RoutingLog(),
    faults: new FaultLog(),
    violations: new Violations(),
    ...(options.notifications ? { notifies: new NotifyLog() } : {}),
    ...(options.curve ? { curve: new SimCurve(options.seed, options.cluster.hosts, options.curve) } : {}),
  };
}

/**
 * Failures that show up outside the checkers' logs: an unhandled promise rejection in
 * driver code, and a process that spins on microtasks (see ProcessClock's livelock
 * guard). Both become violations of the run instead of crashing or hanging the simulator.
 * The rejection hook is process-wide; it is installed for the duration of one run only.
 */
function installSafetyNets(ctx: SimContext): () => void {
  const onRejection = (reason: unknown): void => {
    ctx.violations.add({
      checker: "no-unhandled-rejection",
      message: `unhandled rejection: ${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`,
      atUs: ctx.scheduler.nowUs,
    });
  };
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("unhandledRejection", onRejection);
  };
}
