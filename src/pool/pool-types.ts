/**
 * Types shared by the pool core (pure policy) and the pool shell (sockets, timers).
 * The core speaks only in numbers and strings: slot ids, ticket ids, peer addresses,
 * milliseconds on the clock port's time line.
 */
import type { CloseReason } from "./slot-states.js";

/** Why an acquire was refused. */
export type RejectReason = "timeout" | "exhausted" | "host-removed" | "shutdown";

/**
 * What the shell must do, in order. `open` always precedes the `grant`s of its slot;
 * `close` of an evicted slot precedes the `open` that takes its place. `drain` says a
 * busy socket takes no new leases and will be closed (a later `close`) at its last release.
 */
export type PoolEffect =
  | { type: "open"; slot: number; peer: string }
  | { type: "drain"; slot: number; peer: string; reason: CloseReason }
  | { type: "close"; slot: number; peer: string; reason: CloseReason }
  | { type: "grant"; ticket: number; slot: number; peer: string }
  | { type: "reject"; ticket: number; peer: string; reason: RejectReason };

export interface AcquireResult {
  ticket: number;
  effects: PoolEffect[];
}

/** Counters and gauges, all plain numbers (the simulator and tests read them directly). */
export interface PoolCounters {
  /** Configured cap. Invariant: open <= maxSockets and peakOpen <= maxSockets. */
  maxSockets: number;
  /** Sockets open now (idle + busy + draining). */
  open: number;
  /** Highest `open` ever seen. */
  peakOpen: number;
  idle: number;
  busy: number;
  draining: number;
  /** Leases held now (requests using a socket). */
  leases: number;
  /** Acquires waiting for a socket now. */
  waiting: number;
  /** Sockets created. */
  created: number;
  /** Leases granted on a socket that already existed. */
  reused: number;
  /** Idle sockets closed to make room (LRU) plus busy ones drained to make room. */
  evicted: number;
  /** Of `evicted`: busy sockets drained because acquires were waiting for room. */
  preempted: number;
  /** recycledIdle + recycledFailed. */
  recycled: number;
  /** Sockets closed after idling for idleTimeoutMs. */
  recycledIdle: number;
  /** Sockets closed after recycleAfterFailures consecutive send failures or handshake errors. */
  recycledFailed: number;
  /** Sockets closed because their host left the matchmaker. */
  closedHostRemoved: number;
  /** Sockets closed because the pool closed. */
  closedShutdown: number;
  /** Sockets closed, all reasons. Invariant: created - closed === open. */
  closed: number;
  /** Acquires refused, by reason. */
  rejectedTimeout: number;
  rejectedExhausted: number;
  rejectedHostRemoved: number;
}

export function zeroCounters(maxSockets: number): PoolCounters {
  return {
    maxSockets,
    open: 0,
    peakOpen: 0,
    idle: 0,
    busy: 0,
    draining: 0,
    leases: 0,
    waiting: 0,
    created: 0,
    reused: 0,
    evicted: 0,
    preempted: 0,
    recycled: 0,
    recycledIdle: 0,
    recycledFailed: 0,
    closedHostRemoved: 0,
    closedShutdown: 0,
    closed: 0,
    rejectedTimeout: 0,
    rejectedExhausted: 0,
    rejectedHostRemoved: 0,
  };
}

type CounterName = { [K in keyof PoolCounters]: K }[keyof PoolCounters];

/** The counters a close with each reason adds one to (besides `closed`). */
export const CLOSE_COUNTERS: Readonly<Record<CloseReason, readonly CounterName[]>> = {
  idle: ["recycledIdle", "recycled"],
  failed: ["recycledFailed", "recycled"],
  evicted: ["evicted"],
  preempted: ["evicted", "preempted"],
  "host-removed": ["closedHostRemoved"],
  shutdown: ["closedShutdown"],
};

export const REJECT_COUNTER: Readonly<Record<Exclude<RejectReason, "shutdown">, CounterName>> = {
  timeout: "rejectedTimeout",
  exhausted: "rejectedExhausted",
  "host-removed": "rejectedHostRemoved",
};
