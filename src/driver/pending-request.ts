/**
 * What the client engine knows about one request, and what a request that missed its
 * deadline is told. Types and one pure function; the engine (client-engine.ts) drives them.
 */
import type { RpcMessage } from "../core/codec.js";
import type { Target } from "../core/target.js";
import { MatchmakerUnavailable, MessageDeliveryFailure, MessagingTimeout } from "../errors.js";
import { SocketPoolError } from "../pool/pool-error.js";
import type { Lease } from "../pool/socket-pool.js";

export type SendKind = "call" | "cast" | "fanout";

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
}

export interface Pending {
  id: string;
  kind: SendKind;
  key: string;
  deadlineMs: number;
  /** Set when the request settles (reply, deadline, failure, close): its delivery stops. */
  done: boolean;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** Why the request is not done yet, for the error raised at its deadline. */
  lastCause?: unknown;
  delivered: number;
  wanted: number;
  /** Pooled sockets this request uses; all are released when it settles (a call's reply arrives on its socket). */
  leases: Lease[];
  /** Host whose socket the request is waiting for (the pool is at its cap), if any. */
  waitingForSocket?: string;
}

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
}

/**
 * The error a request gets at its deadline: MessagingTimeout for a call,
 * MessageDeliveryFailure for a cast or fanout, with the last recorded failure as its cause
 * (a SocketPoolError "timeout" when it was still waiting for a socket).
 */
export function deadlineError(p: Pending, maxSockets: number): MessagingTimeout | MessageDeliveryFailure {
  const cause =
    p.waitingForSocket !== undefined ? SocketPoolError.timeout(p.waitingForSocket, maxSockets) : p.lastCause;
  const why = cause instanceof MatchmakerUnavailable ? " (matchmaker unavailable)" : "";
  if (p.kind === "call")
    return new MessagingTimeout(`Timeout while waiting on RPC response for message ${p.id} to ${p.key}${why}`, {
      cause,
    });
  const detail =
    p.wanted === 0
      ? " (no server available)"
      : p.kind === "fanout"
        ? ` (${p.delivered} of ${p.wanted} servers reached)`
        : " (every send failed)";
  return new MessageDeliveryFailure(
    `${p.kind} ${p.id} to ${p.key} could not be delivered before its deadline${detail}${why}`,
    { cause },
  );
}
