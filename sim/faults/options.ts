/**
 * The fault model as one options object (modelled on TigerBeetle's PacketSimulatorOptions).
 * Rates are per virtual second of the safety phase; the planner (planner.ts) turns them
 * into a concrete schedule of FaultActions from the seed, before the run starts, so a
 * schedule can be printed, replayed, edited into a named scenario, and shrunk.
 *
 * ZeroMQ runs over TCP, so faults act on connections, not packets: no loss, reordering or
 * duplication inside a live connection. Messages are lost only where libzmq loses them
 * (a connection reset by a crash, HWM drops on a non-mandatory ROUTER, unread messages of
 * an IMMEDIATE DEALER whose connection closes). See spec/sim.md, "Fault model".
 */
export type PartitionMode = "isolate_single" | "uniform_size" | "uniform_partition";
export type PartitionSymmetry = "symmetric" | "asymmetric" | "mixed";

export interface FaultOptions {
  /** Smallest one-way delay of a message. */
  oneWayDelayMsMin: number;
  /** Mean of the exponential part of the one-way delay. */
  oneWayDelayMsMean: number;
  /** Network partitions started per second. */
  partitionsPerSec: number;
  /** isolate_single: one host cut off; uniform_size: a random-size group; uniform_partition: each host on a random side. */
  partitionMode: PartitionMode;
  partitionSymmetry: PartitionSymmetry;
  partitionMsMean: number;
  /** Clogged directed links per second (one link held for a while, FoundationDB's clogging). */
  clogsPerSec: number;
  clogMsMean: number;
  /** Process crashes per second (a crash resets the host's connections, registrations stay until TTL). */
  crashesPerSec: number;
  /** Mean time until a crashed host restarts; 0 = it stays down until the faults heal. */
  restartMsMean: number;
  /** Graceful restarts per second (Transport.close(), then a new process: a rolling restart). */
  restartsPerSec: number;
  /** Process pauses (blocked event loop) per second. */
  pausesPerSec: number;
  pauseMsMean: number;
  /** Windows per second during which one server's handlers are slow. */
  slowPerSec: number;
  slowMsMean: number;
  /** Mean handler time during a slow window. */
  slowServiceMsMean: number;
  /** Windows per second during which one server's handlers hang (released when the window ends). */
  hangsPerSec: number;
  hangMsMean: number;
  /** Matchmaker (Redis) outages per second. */
  redisOutagesPerSec: number;
  redisOutageMsMean: number;
  /** Windows per second during which every message on one directed link is delivered twice (a sender re-sending). */
  duplicatesPerSec: number;
  duplicateMsMean: number;
  /** Process freezes (the whole process stopped: SIGSTOP, a suspended VM) per second. */
  freezesPerSec: number;
  freezeMsMean: number;
  /** Windows per second during which ZMTP heartbeats on one directed link are lost while data passes. */
  heartbeatLossPerSec: number;
  heartbeatLossMsMean: number;
  /** Windows per second during which one directed link is slower by an extra delay. */
  delaysPerSec: number;
  delayMsMean: number;
  /** Mean of the extra one-way delay (exponential). */
  delayExtraMsMean: number;
  /** Proxy crashes per second (proxy mode only: cluster.proxies > 0); each restarts after restartMsMean. */
  proxyCrashesPerSec: number;
  /** Proxy partitions per second (proxy mode only): a proxy cut off from a random half of the hosts, or from all. */
  proxyPartitionsPerSec: number;
  proxyPartitionMsMean: number;
  /** Windows per second during which one proxy is slow (proxy mode only): every message to and from it is delayed. */
  proxySlowPerSec: number;
  proxySlowMsMean: number;
  /** Mean of the extra one-way delay of a slow proxy (exponential). */
  proxySlowExtraMsMean: number;
  /** Each host's clock drifts by up to this many ppm, either way. */
  clockDriftPpmMax: number;
  /** Each host's clock is offset by up to this many ms, either way. */
  clockOffsetMsMax: number;
  /** HWM pressure: per-socket send HWM for every socket (undefined: the driver's). */
  sendHighWaterMark?: number;
  /** HWM pressure: receive HWM of simulated sockets (undefined: 1000, libzmq's). */
  receiveHighWaterMark?: number;
  /** HWM pressure: driver send queue bound (undefined: the driver's). */
  maxQueuedSends?: number;
}

/** A quiet network: small delays, no faults. */
export const FAULTS_NONE: FaultOptions = {
  oneWayDelayMsMin: 0.05,
  oneWayDelayMsMean: 0.15,
  partitionsPerSec: 0,
  partitionMode: "isolate_single",
  partitionSymmetry: "symmetric",
  partitionMsMean: 300,
  clogsPerSec: 0,
  clogMsMean: 100,
  crashesPerSec: 0,
  restartMsMean: 500,
  restartsPerSec: 0,
  pausesPerSec: 0,
  pauseMsMean: 100,
  slowPerSec: 0,
  slowMsMean: 300,
  slowServiceMsMean: 50,
  hangsPerSec: 0,
  hangMsMean: 300,
  redisOutagesPerSec: 0,
  redisOutageMsMean: 200,
  duplicatesPerSec: 0,
  duplicateMsMean: 100,
  freezesPerSec: 0,
  freezeMsMean: 300,
  heartbeatLossPerSec: 0,
  heartbeatLossMsMean: 500,
  delaysPerSec: 0,
  delayMsMean: 300,
  delayExtraMsMean: 20,
  proxyCrashesPerSec: 0,
  proxyPartitionsPerSec: 0,
  proxyPartitionMsMean: 300,
  proxySlowPerSec: 0,
  proxySlowMsMean: 300,
  proxySlowExtraMsMean: 10,
  clockDriftPpmMax: 0,
  clockOffsetMsMax: 0,
};

/** Every kind of fault, a few per second: the default of `npm run sim`. */
export const FAULTS_DEFAULT: FaultOptions = {
  ...FAULTS_NONE,
  partitionsPerSec: 0.5,
  partitionMode: "isolate_single",
  partitionSymmetry: "mixed",
  clogsPerSec: 1,
  crashesPerSec: 0.3,
  restartsPerSec: 0.3,
  pausesPerSec: 0.5,
  slowPerSec: 0.5,
  hangsPerSec: 0.2,
  redisOutagesPerSec: 0.2,
  duplicatesPerSec: 0.5,
  freezesPerSec: 0.2,
  heartbeatLossPerSec: 0.3,
  delaysPerSec: 0.5,
  proxyCrashesPerSec: 0.3,
  proxyPartitionsPerSec: 0.3,
  proxySlowPerSec: 0.3,
  clockDriftPpmMax: 200,
  // NTP-synced hosts: tens of ms apart. Clocks seconds apart are scenario drift-heavy's.
  clockOffsetMsMax: 50,
};

/** Many overlapping faults and HWM pressure. */
export const FAULTS_HEAVY: FaultOptions = {
  ...FAULTS_DEFAULT,
  oneWayDelayMsMean: 1,
  partitionsPerSec: 2,
  partitionMode: "uniform_size",
  clogsPerSec: 4,
  crashesPerSec: 1,
  restartsPerSec: 1,
  pausesPerSec: 2,
  slowPerSec: 2,
  hangsPerSec: 1,
  redisOutagesPerSec: 1,
  duplicatesPerSec: 2,
  freezesPerSec: 1,
  heartbeatLossPerSec: 1,
  delaysPerSec: 2,
  proxyCrashesPerSec: 1,
  proxyPartitionsPerSec: 1,
  proxySlowPerSec: 1,
  clockDriftPpmMax: 1000,
  sendHighWaterMark: 8,
  receiveHighWaterMark: 8,
  maxQueuedSends: 16,
};

export const FAULT_PRESETS: Record<string, FaultOptions> = {
  none: FAULTS_NONE,
  default: FAULTS_DEFAULT,
  heavy: FAULTS_HEAVY,
};
