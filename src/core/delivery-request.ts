/**
 * What the delivery core (delivery-core.ts) knows about one request, the effects it asks
 * of its shell, and how the shell reports a failed send. Types and plain records only.
 */
import type { HostLoadEntry } from "./balancing/host-load.js";
import { zeroMalformedCounts, type MalformedKind } from "./codec.js";
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
  /**
   * Optional: `r` will not be sent again, so the shell may let go of what it kept for a
   * send (its frames). Said once, when a call that may not move to another host
   * (`failover` other than "move") starts awaiting its reply: it was accepted by its
   * host's connection (acks off) or acknowledged by the host (acks on), and only a move
   * sends such a call again. Saves about 400 bytes per pending call (issue 14).
   */
  sendsOver?(r: DeliveryRequest<T>): void;
  /** `r` is done: resolve with `value` when `ok`, else reject with it (an Error). Exactly once per request. */
  settle(r: DeliveryRequest<T>, ok: boolean, value: unknown): void;
  /** Optional: `host`'s circuit breaker opened (closed before) or closed (open, half-open or probing before). Reports only. */
  breakerChanged?(host: string, open: boolean): void;
}

/** Counters of the client engine; the core moves all of them but the malformed ones (the shell's decoder). */
export interface ClientStats {
  calls: number;
  casts: number;
  fanouts: number;
  replies: number;
  staleReplies: number;
  malformedReplies: number;
  /** `malformedReplies` by the codec's kind (spec/codec.md, "Validation and malformed input"); they add up to it. */
  malformedRepliesByKind: Record<MalformedKind, number>;
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
    malformedRepliesByKind: zeroMalformedCounts(),
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
 * What a request needs only off the common path: after a failed send, with a half-open
 * host, with a load tracker, while waiting for a socket, as a fanout. Created at the
 * first such field's first value (DeliveryRequest's accessors), so a call that is sent
 * and answered never has one.
 */
class RequestExtras<T> {
  dead: Set<string> | undefined = undefined;
  failed: Set<string> | undefined = undefined;
  lastCause: unknown = undefined;
  waitingForSocket: string | undefined = undefined;
  probeOf: string | undefined = undefined;
  fanout: FanoutProgress<T> | undefined = undefined;
  loadOn: HostLoadEntry | undefined = undefined;
  acceptedAtMs = Number.NaN;
}

/**
 * One request. The core owns every field but `ctx` (the shell's own per-request data: its
 * promise's callbacks, frames, leases); the shell reads `id`, `kind`, `key`,
 * `deadlineMs` and `state`, and changes nothing.
 *
 * Memory (issue 14, bench/pending-memory.ts): a client may hold 100,000 pending calls, and
 * each field costs 8 bytes in every one of them. The fields a call that is sent and
 * answered never sets live in a RequestExtras made on first use (accessors below, read
 * and written like fields), and `wanted` is the host list's length: 152 bytes a request
 * instead of 200 (heap snapshot, V8 on Node 20).
 */
export class DeliveryRequest<T> {
  state: RequestState = "new";
  /** The host of the send in flight (call, cast), or the one that accepted a call. */
  host: string | undefined = undefined;
  /** The host list of the latest attempt (call, cast) or the fanout's snapshot. */
  hosts: readonly string[] = NO_HOSTS;
  /** Call, cast: failed sends and ACK timeouts, counted against `retry`. */
  failures = 0;
  /** Call, cast (acks on): copies sent to `host` since it was picked; the n-th waits ackTimeoutMs × 2^(n-1) for its ACK. */
  copies = 0;
  /** Call, cast: HostHealth.sendSeq when its latest send went out (a failed send in flight with a counted one is not counted again). */
  sentSeq = 0;
  /** Paused until, or (awaiting-ack) waits for the ACK until (call, cast). */
  wakeAtMs = 0;
  /** Its place in the timeline's deadline heap (deadline-heap.ts); -1 when not in it. */
  deadlineSlot = -1;
  /** Order of booking: ties between equal deadlines go to the earlier request. */
  seq = 0;
  private extras: RequestExtras<T> | undefined = undefined;

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

  /** Length of the latest host list (0: no host was ever found). */
  get wanted(): number {
    return this.hosts.length;
  }

  /** The extras, made on the first value that is not the default. */
  private more(): RequestExtras<T> {
    this.extras ??= new RequestExtras<T>();
    return this.extras;
  }

  /** Call, cast (acks on): hosts believed dead by this request; it is never sent to them again. */
  get dead(): Set<string> | undefined {
    return this.extras?.dead;
  }
  set dead(v: Set<string> | undefined) {
    if (v !== undefined || this.extras !== undefined) this.more().dead = v;
  }

  /** Call, cast: hosts that failed this round (created at the first failure). */
  get failed(): Set<string> | undefined {
    return this.extras?.failed;
  }
  set failed(v: Set<string> | undefined) {
    if (v !== undefined || this.extras !== undefined) this.more().failed = v;
  }

  /** Why the request is not done yet, for the error it gets at its deadline. */
  get lastCause(): unknown {
    return this.extras?.lastCause;
  }
  set lastCause(v: unknown) {
    if (v !== undefined || this.extras !== undefined) this.more().lastCause = v;
  }

  /** The host whose pooled socket a send waits for, if any (the deadline's cause is then a socket timeout). */
  get waitingForSocket(): string | undefined {
    return this.extras?.waitingForSocket;
  }
  set waitingForSocket(v: string | undefined) {
    if (v !== undefined || this.extras !== undefined) this.more().waitingForSocket = v;
  }

  /** The half-open host this request is the probe of (host-health.ts), until it leaves it. */
  get probeOf(): string | undefined {
    return this.extras?.probeOf;
  }
  set probeOf(v: string | undefined) {
    if (v !== undefined || this.extras !== undefined) this.more().probeOf = v;
  }

  /** Fanout: each host's progress, once it has its snapshot. */
  get fanout(): FanoutProgress<T> | undefined {
    return this.extras?.fanout;
  }
  set fanout(v: FanoutProgress<T> | undefined) {
    if (v !== undefined || this.extras !== undefined) this.more().fanout = v;
  }

  /** Call, cast: the load-tracker entry of the host it counts as in flight on (balancing/host-load.ts; tracker on only). */
  get loadOn(): HostLoadEntry | undefined {
    return this.extras?.loadOn;
  }
  set loadOn(v: HostLoadEntry | undefined) {
    if (v !== undefined || this.extras !== undefined) this.more().loadOn = v;
  }

  /** Call, cast: when its host's connection first accepted a send of it, for the host's reply time (tracker on only). */
  get acceptedAtMs(): number {
    return this.extras?.acceptedAtMs ?? Number.NaN;
  }
  set acceptedAtMs(v: number) {
    if (!Number.isNaN(v) || this.extras !== undefined) this.more().acceptedAtMs = v;
  }
}

export const NO_HOSTS: readonly string[] = Object.freeze([]);
