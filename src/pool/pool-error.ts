/**
 * SocketPoolError: an acquire the pool refused. It is a MessageDeliveryFailure (code
 * "MessageDeliveryFailure", retryable), so callers that switch on `code` need no new
 * case; `reason` tells why:
 * - "timeout": no socket to the peer became available before the request's deadline
 *   (every socket was busy and the cap was reached);
 * - "exhausted": maxWaiters requests were already waiting for a socket;
 * - "host-removed": the peer left the matchmaker while the request waited.
 * A closed pool rejects with TransportClosed instead.
 */
import { MessageDeliveryFailure } from "../errors.js";
import type { RejectReason } from "./pool-types.js";

export class SocketPoolError extends MessageDeliveryFailure {
  readonly reason: Exclude<RejectReason, "shutdown">;
  readonly peer: string;
  constructor(reason: Exclude<RejectReason, "shutdown">, peer: string, message: string) {
    super(message);
    this.reason = reason;
    this.peer = peer;
  }

  static timeout(peer: string, maxSockets: number): SocketPoolError {
    return new SocketPoolError(
      "timeout",
      peer,
      `no socket to ${peer} became available before the deadline (all ${maxSockets} pooled sockets busy)`,
    );
  }

  static exhausted(peer: string, maxWaiters: number, maxSockets: number): SocketPoolError {
    return new SocketPoolError(
      "exhausted",
      peer,
      `${maxWaiters} requests already wait for a socket (all ${maxSockets} pooled sockets busy); refused a request to ${peer}`,
    );
  }

  static hostRemoved(peer: string): SocketPoolError {
    return new SocketPoolError(
      "host-removed",
      peer,
      `${peer} left the matchmaker while a request waited for a socket to it`,
    );
  }
}
