/**
 * The errors a request settles with when it is not answered (spec/delivery.md, "Errors"):
 * at its deadline, after too many failed sends, when a fanout misses a host, at close.
 * Pure functions of the request's record.
 */
import { MatchmakerUnavailable, MessageDeliveryFailure, MessagingTimeout, TransportClosed } from "../errors.js";
import type { DeliveryRequest, HostDownReason } from "./delivery-request.js";

/**
 * The error a request gets at its deadline: MessagingTimeout for a call,
 * MessageDeliveryFailure for a cast or fanout, with `cause` (the last recorded failure, or
 * a socket timeout when the request was waiting for a pooled socket).
 */
export function deadlineError<T>(r: DeliveryRequest<T>, cause: unknown): MessagingTimeout | MessageDeliveryFailure {
  const why = cause instanceof MatchmakerUnavailable ? " (matchmaker unavailable)" : handshakeNote(cause);
  if (r.kind === "call")
    return new MessagingTimeout(`Timeout while waiting on RPC response for message ${r.id} to ${r.key}${why}`, {
      cause,
    });
  const detail =
    r.wanted === 0
      ? " (no server available)"
      : r.kind === "fanout"
        ? ` (${r.fanout?.delivered ?? 0} of ${r.wanted} servers reached)`
        : r.state === "awaiting-ack"
          ? ` (no acknowledgement from ${r.host})`
          : " (every send failed)";
  return new MessageDeliveryFailure(
    `${r.kind} ${r.id} to ${r.key} could not be delivered before its deadline${detail}${why}`,
    { cause },
  );
}

/**
 * " (<cause>)" when `cause` is a failed or refused security handshake (a PortError
 * "EHANDSHAKE" from the pool, src/pool/handshake-errors.ts): the final error then says
 * why no server could be reached, not only that none was.
 */
function handshakeNote(cause: unknown): string {
  const c = cause as { code?: unknown; message?: unknown } | null | undefined;
  return c?.code === "EHANDSHAKE" && typeof c.message === "string" ? ` (${c.message})` : "";
}

/** A call's or cast's failed sends went past its `retry`. */
export function retriesExhausted(host: string, failures: number, cause: unknown): MessageDeliveryFailure {
  return new MessageDeliveryFailure(`send to ${host} failed after ${failures} attempt(s)${handshakeNote(cause)}`, {
    cause,
    host,
  });
}

/** A call's or cast's ACK timeouts (with its failed sends) went past its `retry`; the host may have run it. */
export function ackRetriesExhausted<T>(r: DeliveryRequest<T>, host: string): MessageDeliveryFailure {
  return new MessageDeliveryFailure(
    `${r.kind} ${r.id} to ${r.key}: no acknowledgement from ${host} after ${r.failures} attempt(s)`,
    { host, retryable: false, cause: r.lastCause },
  );
}

const DOWN_REASON: Record<HostDownReason, string> = {
  "no-ack": "sent no acknowledgement",
  disconnected: "dropped its connection",
};

/**
 * A call's or cast's host is believed dead after it accepted a copy, and the request may
 * not move to another server (`r.failover`, or `retry` used up: `noRetryLeft`): the host
 * may have run it, so it is not retryable.
 */
export function hostDeadError<T>(
  r: DeliveryRequest<T>,
  host: string,
  why: HostDownReason,
  noRetryLeft = false,
): MessageDeliveryFailure {
  const rule = noRetryLeft
    ? `its retry allows no more attempts (${r.failures} made)`
    : r.failover === "one-server"
      ? "it is addressed to one server"
      : "it is not idempotent";
  return new MessageDeliveryFailure(
    `${r.kind} ${r.id} to ${r.key}: host ${host} ${DOWN_REASON[why]} and is believed dead; ` +
      `not moved to another server because ${rule}`,
    { host, retryable: false, cause: r.lastCause },
  );
}

/** Every host a call or cast could go to is open in its circuit breaker: refused at once, nothing sent. */
export function allHostsOpen<T>(
  r: DeliveryRequest<T>,
  hosts: readonly string[],
  hostsCause?: unknown,
): MessageDeliveryFailure {
  // A request refused before it was sent anywhere names why its hosts failed (hostsCause).
  const cause = r.lastCause ?? hostsCause;
  return new MessageDeliveryFailure(
    `${r.kind} ${r.id} to ${r.key}: every server it could go to is failing (circuit open): ${hosts.join(", ")}${handshakeNote(cause)}`,
    { host: hosts.length === 1 ? hosts[0] : undefined, cause },
  );
}

/** Why a fanout's copy to `host` was given up after its host was believed dead (the fanout's cause). */
export function fanoutHostDead(host: string, why: HostDownReason, copies: number): MessageDeliveryFailure {
  return new MessageDeliveryFailure(`host ${host} ${DOWN_REASON[why]} (${copies} copies sent)`, {
    host,
    retryable: false,
  });
}

/** Every host of a fanout ended before its deadline, and some were given up. */
export function fanoutIncomplete<T>(r: DeliveryRequest<T>): MessageDeliveryFailure {
  return new MessageDeliveryFailure(
    `fanout ${r.id} to ${r.key} reached ${r.fanout?.delivered ?? 0} of ${r.wanted} servers`,
    {
      cause: r.lastCause,
    },
  );
}

/** The engine closed while the request was pending. */
export function closedWhilePending(): TransportClosed {
  return new TransportClosed("transport closed while the request was pending");
}

/** A request made after the engine closed. */
export function closedBeforeSend(): TransportClosed {
  return new TransportClosed();
}
