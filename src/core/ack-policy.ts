/**
 * Acknowledged delivery's policy for the delivery core (spec/delivery.md, "Acknowledged
 * delivery"): how long a copy waits for its ACK, and when a host that sends none is
 * believed dead (what picks do about such a host is host-health.ts's). Pure: the times
 * come from the core's inputs.
 *
 * The n-th copy sent to one host waits `ackTimeoutMs × 2^(n-1)` for its ACK (oslo's
 * rpc_ack_timeout_base and its default multiplier, 2), never past the request's deadline.
 * After `ackResendsPerHost` resends without an ACK the host is believed dead, as it is at
 * once when its connection drops or the matchmaker drops it.
 */

export interface AckOptions {
  /** The first copy's wait for its ACK; each resend to the same host doubles it. */
  ackTimeoutMs: number;
  /** Resends to one host without an ACK before the host is believed dead. */
  ackResendsPerHost: number;
}

export class AckPolicy {
  constructor(readonly options: AckOptions) {
    if (!(options.ackTimeoutMs > 0)) throw new RangeError("delivery: ackTimeoutMs must be > 0");
    if (!Number.isInteger(options.ackResendsPerHost) || options.ackResendsPerHost < 0)
      throw new RangeError("delivery: ackResendsPerHost must be an integer >= 0");
  }

  /**
   * When the wait for the ACK of the `copies`-th copy to a host (1 = the first) ends: a
   * whole number of ms, rounded up (a fractional time kept in the request, its wakeAtMs,
   * is a boxed double: 16 bytes more per call awaiting its ACK or its reply, issue 14).
   */
  ackDueMs(copies: number, nowMs: number, deadlineMs: number): number {
    return Math.min(Math.ceil(nowMs + this.options.ackTimeoutMs * 2 ** (copies - 1)), deadlineMs);
  }

  /** Whether a host whose `copies`-th copy got no ACK may be sent another (else it is believed dead). */
  mayResend(copies: number): boolean {
    return copies <= this.options.ackResendsPerHost;
  }
}
