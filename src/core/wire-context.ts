/**
 * The one context key this driver reserves on the wire: "_zmq", an object of delivery
 * metadata that travels inside the request's context (oslo's wire format has no other
 * place for it: the payload is exactly [context, message]).
 *
 *   { "deadline": <epoch ms>, "ack": true, "requeues": 2, "once": true }
 *
 * - deadline: the caller's absolute deadline on its wall clock (Clock.epochMs), a whole
 *   number of milliseconds rounded down. A server never starts a request past it.
 * - ack: the caller asks for an ACK as soon as the server accepts the request.
 * - once: the caller will never send this message id to this server again (spec/server.md,
 *   "Deduplication"), so the server need not remember it. Absent: it may (acks, proxy
 *   routing, an idempotent call that moves, an older client, oslo's Python driver).
 * - requeues: how many times a notification listener has sent this notification back to
 *   its pool (spec/notifications.md, "Requeue"); absent for 0 and on every RPC request.
 * - traceparent, tracestate: the sender's W3C trace context (spec/observability.md,
 *   "Traces"), present only while tracing; kept when a string of at most 256 characters,
 *   otherwise ignored (a bad trace context never makes a request malformed).
 * Other fields are ignored (room for later additions); all are optional.
 *
 * The client adds the key to a copy of the caller's context (withWireMeta), last, so the
 * caller's object is never modified; the server's decoder takes it out again
 * (takeWireMeta), so an endpoint never sees it. A context from a client that sends no
 * "_zmq" (an older client, oslo's Python driver) has no deadline and asks for no ACK.
 * Pure functions; decoding never throws (spec/codec.md, "The _zmq context key").
 */

/** The reserved context key. */
export const WIRE_KEY = "_zmq";

/** The delivery metadata a request carries. */
export interface WireMeta {
  /** Absolute deadline, milliseconds since the Unix epoch on the caller's wall clock. */
  deadline: number | undefined;
  /** Whether the caller asked for an ACK. */
  ack: boolean;
  /** Whether the caller said it sends this message id once ("once": true); false when absent. */
  once: boolean;
  /** A requeued notification's requeue count; absent when it was not sent (0). */
  requeues?: number;
  /** The sender's W3C traceparent, when it sent one (format checked by src/observability/trace-context.ts). */
  traceparent?: string;
  /** The sender's W3C tracestate, when it sent one with a traceparent. */
  tracestate?: string;
}

/** The trace context a sender adds to "_zmq" (spec/observability.md, "Traces"). */
export interface WireTrace {
  traceparent: string;
  tracestate?: string;
}

/** Longest traceparent or tracestate kept from a peer (a W3C traceparent has 55 characters). */
const MAX_TRACE_CHARS = 256;

const NO_META: WireMeta = Object.freeze({ deadline: undefined, ack: false, once: false }) as WireMeta;

/**
 * Whether a sender with these options sends each message id to a server at most once,
 * and so marks its requests "once" (spec/server.md, "Deduplication"; decision 0028):
 * without acks nothing is resent after a send was accepted, in direct routing no proxy
 * hop is retried, and only an idempotent call moves after its host is believed dead (and
 * could come back to it). A failed send that is retried never left the process.
 */
export function sendsOnce(acks: boolean, routing: "direct" | "proxy", idempotent: boolean): boolean {
  return !acks && routing === "direct" && !idempotent;
}

/**
 * A copy of `context` with "_zmq" added as its last key. A for-in copy, not an object
 * spread: measured on Node 20, spreading a one-key context into a literal that adds a
 * key took about 3 µs (V8 leaves its fast path), the loop 45 to 110 ns for 0 to 3 keys,
 * and an empty context (the common case) skips the copy altogether.
 */
export function withWireMeta(
  context: Record<string, unknown>,
  deadline: number | undefined,
  ack: boolean,
  requeues = 0,
  trace?: WireTrace,
  once = false,
): Record<string, unknown> {
  const meta: Record<string, unknown> = deadline === undefined ? {} : { deadline };
  if (ack) meta.ack = true;
  if (requeues > 0) meta.requeues = requeues;
  if (once) meta.once = true;
  if (trace !== undefined) {
    meta.traceparent = trace.traceparent;
    if (trace.tracestate !== undefined) meta.tracestate = trace.tracestate;
  }
  const wire: Record<string, unknown> = {};
  for (const k in context) {
    // An own "__proto__" key (JSON.parse makes one) must stay a key, not set the prototype.
    if (k === "__proto__")
      Object.defineProperty(wire, k, { value: context[k], enumerable: true, writable: true, configurable: true });
    else wire[k] = context[k];
  }
  wire[WIRE_KEY] = meta;
  return wire;
}

/**
 * Reads and removes "_zmq" from a context a peer sent (the decoder's freshly parsed
 * object, so removing the key touches nobody else's data). Returns the metadata, or a
 * reason string when "_zmq" is not an object, its deadline not a finite number, its ack
 * or once not a boolean or its requeues not an integer >= 0: the request is then malformed.
 */
export function takeWireMeta(context: Record<string, unknown>): WireMeta | string {
  const raw = context[WIRE_KEY];
  if (raw === undefined) return NO_META;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "context._zmq is not an object";
  const m = raw as Record<string, unknown>;
  const deadline = m.deadline;
  if (deadline !== undefined && (typeof deadline !== "number" || !Number.isFinite(deadline)))
    return "context._zmq.deadline is not a finite number";
  const ack = m.ack;
  if (ack !== undefined && typeof ack !== "boolean") return "context._zmq.ack is not a boolean";
  const once = m.once;
  if (once !== undefined && typeof once !== "boolean") return "context._zmq.once is not a boolean";
  const requeues = m.requeues;
  if (requeues !== undefined && !(Number.isSafeInteger(requeues) && (requeues as number) >= 0))
    return "context._zmq.requeues is not an integer >= 0";
  // The client adds the key last, and V8 undoes the last property addition cheaply.
  delete context[WIRE_KEY];
  const meta: WireMeta = { deadline: deadline as number | undefined, ack: ack === true, once: once === true };
  if (requeues !== undefined) meta.requeues = requeues as number;
  const tp = m.traceparent;
  if (typeof tp === "string" && tp.length <= MAX_TRACE_CHARS) {
    meta.traceparent = tp;
    const ts = m.tracestate;
    if (typeof ts === "string" && ts.length <= MAX_TRACE_CHARS) meta.tracestate = ts;
  }
  return meta;
}
