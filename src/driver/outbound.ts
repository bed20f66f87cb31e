/**
 * What the client engine keeps for each request besides the delivery core's record: its
 * frames, its promise's callbacks and the pooled sockets' leases it holds; and how the
 * shell recognises a failed send for the core (spec/delivery.md, "Failed sends").
 */
import type { RpcMessage } from "../core/codec.js";
import type { OutFrame } from "../core/out-frames.js";
import type { RequestKind, SendFailure } from "../core/delivery-request.js";
import type { Target } from "../core/target.js";
import { SocketPoolError } from "../pool/pool-error.js";
import type { Lease } from "../pool/socket-pool.js";

export type SendKind = RequestKind;

export interface SendRequest {
  target: Target;
  context: Record<string, unknown>;
  message: RpcMessage;
  kind: SendKind;
  timeoutMs: number;
  /** Re-sends to another host after a failed send: null = until the deadline, 0 = none. */
  retry: number | null;
  /** sendKey(target), when the caller has it already (RpcClient computes it once). */
  key?: string;
  /**
   * The caller said the request may run twice: with acks, it moves to another server when
   * its host is believed dead (never when the target names one server). @default false
   */
  idempotent?: boolean;
  /** The request's client span, when tracing (spec/observability.md): the engine names the message id on it. */
  span?: { setAttribute(key: string, value: string): unknown } | undefined;
}

/**
 * One copy of a notification for one pool (spec/notifications.md): sent as a NOTIFY (wire
 * type 4) and delivered like a cast to one member of the pool (round robin, failed sends
 * retried on other members, ACKs when on). It never moves to a second member once one
 * accepted it, so a pool never gets a copy twice.
 */
export interface NotifyRequest {
  /** The pool's matchmaker key (core/target.ts, notifyPoolKey). */
  key: string;
  /** The encoded payload, [context with "_zmq", notification] (codec.ts, encodeNotificationPayload): one for every pool. */
  payload: Buffer;
  timeoutMs: number;
  /** Re-sends to another member after a failed send: null = until the deadline, 0 = none. */
  retry: number | null;
}

/**
 * The shell's part of one request (the core's `ctx`). A call or cast holds at most one
 * lease at a time (its send's, kept by a call until its reply); a fanout one per host.
 */
export class Outbound {
  /**
   * The request's promise's resolve function, which also rejects it: `reject(err)` resolves
   * with a rejected promise. Keeping one of the two functions the Promise constructor
   * makes lets the other go: 56 bytes less per pending call (issue 14); the price, a
   * rejection that arrives two microtask turns later, is paid on the error path only.
   */
  resolve!: (value: unknown) => void;
  private lease: Lease | undefined = undefined;
  /** A fanout's leases besides `lease`. */
  private more: Lease[] | undefined = undefined;

  /**
   * The request's encoded frames, for its sends; undefined once the core says it will not
   * be sent again (DeliveryEffects.sendsOver): a pending call then no longer keeps them
   * (about 400 bytes of Buffer objects and array a call, issue 14).
   */
  frames: OutFrame[] | undefined;

  constructor(frames: OutFrame[]) {
    this.frames = frames;
  }

  /**
   * Settles the request's promise with `value` (a rejected promise rejects it), once, and
   * first lets go of the frames and the resolve function. A settled request can stay
   * reachable for a while from garbage the scavenger treats as alive (an obsolete table
   * in the old generation, core/request-book.ts); what it no longer points to is not kept
   * with it. Measured with casts in bursts of 64: the garbage collector's share of a cast
   * went from about 2.1 µs to 1.1 µs, mark-compacts from 10 to 2 per 200,000 casts.
   */
  settle(value: unknown): void {
    const resolve = this.resolve;
    this.resolve = settledAlready;
    this.frames = undefined;
    resolve(value);
  }

  /** Rejects the request's promise with `error`. */
  reject(error: Error): void {
    this.settle(Promise.reject(error));
  }

  hold(lease: Lease): void {
    if (this.lease === undefined) this.lease = lease;
    else if (this.more === undefined) this.more = [lease];
    else this.more.push(lease);
  }

  /** Releases one lease (its send failed). */
  drop(lease: Lease): void {
    lease.release();
    if (this.lease === lease) this.lease = undefined;
    else if (this.more !== undefined) {
      const i = this.more.indexOf(lease);
      if (i >= 0) this.more.splice(i, 1);
    }
  }

  /** Releases every lease (the request settled), at `nowMs` when the caller knows the time. */
  releaseAll(nowMs?: number): void {
    if (this.lease !== undefined) {
      this.lease.release(nowMs);
      this.lease = undefined;
    }
    if (this.more === undefined) return;
    for (const l of this.more) l.release(nowMs);
    this.more = undefined;
  }
}

/** The resolve function of a settled request: it settles once. */
function settledAlready(): void {}

/** How a failed acquire or send looks to the delivery core. */
export function sendFailureOf(err: unknown): SendFailure {
  if (err instanceof SocketPoolError)
    return err.reason === "exhausted" ? "exhausted" : err.reason === "timeout" ? "socket-timeout" : "host-removed";
  return (err as { code?: unknown } | null)?.code === "ECLOSED" ? "closed" : "send-error";
}
