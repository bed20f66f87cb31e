/**
 * What the delivery core (delivery-core.ts) knows about one request, the effects it asks
 * of its shell, and how the shell reports a failed send. Types and plain records only.
 */
import type { HostLoadEntry } from "./balancing/host-load.js";
import type { FanoutProgress } from "./fanout-progress.js";
import type { RequestState } from "./request-states.js";

export type RequestKind = "call" | "cast" | "fanout";

/**
 * What a call or cast may do when its host is believed dead after a send of it was
 * accepted (acks on; spec/delivery.md, "Acknowledged delivery"):
 * - "move": go to another host of its key (the caller said it may run twice: idempotent);
 * - "not-idempotent": fail with MessageDeliveryFailure naming the host;
 * - "one-server": the same, for a request addressed to one server (target.server), which
 *   never moves, idempotent or not.
 * A fanout never moves: each copy belongs to its host.
 */
export type Failover = "move" | "not-idempotent" | "one-server";

/**
 * Why a host is believed dead (the MessageDeliveryFailure of a request that may not move
 * says it): no ACK after the resends, or its connection dropped or missed its heartbeats.
 * A matchmaker removal is not one: a graceful stop deregisters, then finishes its calls.
 */
export type HostDownReason = "no-ack" | "disconnected";

/**
 * A failed send as the shell recognised it (spec/delivery.md, "Failed sends"); the core
 * decides what follows, which depends on the request's kind:
 * - "exhausted": the socket pool refused at once (too many waiters);
 * - "socket-timeout": no pooled socket could be had before the deadline;
 * - "host-removed": the host left the matchmaker while the send waited for its socket;
 * - "closed": the socket closed under the send (ECLOSED);
 * - "send-error": any other send error (EAGAIN: queue full, send timeout, deadline passed; ...).
 */
export type SendFailure = "exhausted" | "socket-timeout" | "host-removed" | "closed" | "send-error";

/**
 * What the core asks the shell to do, called synchronously and in order while the core
 * handles an input. An effect allocates nothing and returns nothing; the shell must not
 * call the core from inside one (the core throws if it does): an answer the shell has at
 * once (a host list at hand) is queued and given after the input returns.
 */
export interface DeliveryEffects<T> {
  /** Ask the matchmaker for the hosts of `key`; answer with hostsKnown or lookupFailed. At most one per key at a time. */
  lookup(key: string): void;
  /** Send `r`'s frames to `host` (a pooled socket's lease, then the send); answer with sendAccepted or sendFailed for (r, host). */
  send(r: DeliveryRequest<T>, host: string): void;
  /** A host list for `key` the core picks from (every attempt, every fanout snapshot): for HostSync, which closes sockets of hosts gone and skips an unchanged list. */
  hostsSeen(key: string, hosts: readonly string[]): void;
  /** `r` needs no socket any more: release every lease it holds. Always just before `settle`. */
  release(r: DeliveryRequest<T>): void;
  /** `r` is done: resolve with `value` when `ok`, else reject with it (an Error). Exactly once per request. */
  settle(r: DeliveryRequest<T>, ok: boolean, value: unknown): void;
  /** Optional: `host`'s circuit breaker opened (closed before) or closed (open, half-open or probing before). Reports only. */
  breakerChanged?(host: string, open: boolean): void;
}

/** Counters of the client engine; the core moves all of them but `malformedReplies` (the shell's decoder). */
export interface ClientStats {
  calls: number;
  casts: number;
  fanouts: number;
  replies: number;
  staleReplies: number;
  malformedReplies: number;
  timeouts: number;
  deliveryFailures: number;
  sendRetries: number;
  /** ACKs that matched a request waiting for one (acks on). */
  acks: number;
  /** ACKs for no request waiting for one from that host (late, duplicate, or from a host the request left). */
  staleAcks: number;
  /** Copies sent again to the same host because no ACK came in time. */
  ackResends: number;
  /** Calls and casts moved to another host after their host was believed dead (idempotent ones). */
  failovers: number;
  /** Calls and casts refused at once because every host they could go to was open (host-health.ts). */
  openRefusals: number;
}

export function zeroClientStats(): ClientStats {
  return {
    calls: 0,
    casts: 0,
    fanouts: 0,
    replies: 0,
    staleReplies: 0,
    malformedReplies: 0,
    timeouts: 0,
    deliveryFailures: 0,
    sendRetries: 0,
    acks: 0,
    staleAcks: 0,
    ackResends: 0,
    failovers: 0,
    openRefusals: 0,
  };
}

/**
 * One request. The core owns every field but `ctx` (the shell's own per-request data: its
 * promise's callbacks, frames, leases); the shell reads `id`, `kind`, `key`,
 * `deadlineMs` and `state`, and changes nothing.
 */
export class DeliveryRequest<T> {
  state: RequestState = "new";
  /** The host of the send in flight (call, cast), or the one that accepted a call. */
  host: string | undefined = undefined;
  /** The host list of the latest attempt (call, cast) or the fanout's snapshot. */
  hosts: readonly string[] = NO_HOSTS;
  /** Length of the latest host list (0: no host was ever found). */
  wanted = 0;
  /** Call, cast: failed sends and ACK timeouts, counted against `retry`. */
  failures = 0;
  /** Call, cast (acks on): copies sent to `host` since it was picked; the n-th waits ackTimeoutMs × 2^(n-1) for its ACK. */
  copies = 0;
  /** Call, cast (acks on): hosts believed dead by this request; it is never sent to them again. */
  dead: Set<string> | undefined = undefined;
  /** Call, cast: hosts that failed this round (created at the first failure). */
  failed: Set<string> | undefined = undefined;
  /** Why the request is not done yet, for the error it gets at its deadline. */
  lastCause: unknown = undefined;
  /** The host whose pooled socket a send waits for, if any (the deadline's cause is then a socket timeout). */
  waitingForSocket: string | undefined = undefined;
  /** Paused until, or (awaiting-ack) waits for the ACK until (call, cast). */
  wakeAtMs = 0;
  /** The half-open host this request is the probe of (host-health.ts), until it leaves it. */
  probeOf: string | undefined = undefined;
  /** Fanout: each host's progress, once it has its snapshot. */
  fanout: FanoutProgress<T> | undefined = undefined;
  /** Call, cast: the load-tracker entry of the host it counts as in flight on (balancing/host-load.ts; tracker on only). */
  loadOn: HostLoadEntry | undefined = undefined;
  /** Call, cast: when its host's connection first accepted a send of it, for the host's reply time (tracker on only). */
  acceptedAtMs = Number.NaN;

  constructor(
    readonly id: string,
    readonly kind: RequestKind,
    readonly key: string,
    readonly deadlineMs: number,
    /** Re-sends after failed sends and ACK timeouts (call, cast): null = until the deadline, 0 = none, n = at most n. */
    readonly retry: number | null,
    readonly ctx: T,
    /** Whether the request may move to another host once its host is believed dead (call, cast). */
    readonly failover: Failover = "not-idempotent",
  ) {}
}

export const NO_HOSTS: readonly string[] = Object.freeze([]);
