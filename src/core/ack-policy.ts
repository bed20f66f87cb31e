/**
 * Acknowledged delivery's policy for the delivery core (spec/delivery.md, "Acknowledged
 * delivery"): how long a copy waits for its ACK, when a host that sends none is believed
 * dead, and which hosts other requests avoid for a while after one was. Pure: the times
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
  /**
   * How long a host believed dead is avoided by new picks: as long as it took to conclude
   * it (every wait of a host's copies, summed), so that a host that was only slow is
   * tried again after about the time one request spends on it.
   */
  readonly suspectHoldMs: number;
  /** Hosts believed dead lately → until when picks avoid them (while another host is left). */
  private readonly suspects = new Map<string, number>();

  constructor(readonly options: AckOptions) {
    if (!(options.ackTimeoutMs > 0)) throw new RangeError("delivery: ackTimeoutMs must be > 0");
    if (!Number.isInteger(options.ackResendsPerHost) || options.ackResendsPerHost < 0)
      throw new RangeError("delivery: ackResendsPerHost must be an integer >= 0");
    this.suspectHoldMs = options.ackTimeoutMs * (2 ** (options.ackResendsPerHost + 1) - 1);
  }

  /** When the wait for the ACK of the `copies`-th copy to a host (1 = the first) ends. */
  ackDueMs(copies: number, nowMs: number, deadlineMs: number): number {
    return Math.min(nowMs + this.options.ackTimeoutMs * 2 ** (copies - 1), deadlineMs);
  }

  /** Whether a host whose `copies`-th copy got no ACK may be sent another (else it is believed dead). */
  mayResend(copies: number): boolean {
    return copies <= this.options.ackResendsPerHost;
  }

  /** `host` is believed dead at `nowMs`: picks avoid it for suspectHoldMs. */
  suspect(host: string, nowMs: number): void {
    this.suspects.set(host, nowMs + this.suspectHoldMs);
  }

  /** `host` answered (an ACK): picks no longer avoid it. */
  clear(host: string): void {
    if (this.suspects.size > 0) this.suspects.delete(host);
  }

  /**
   * The test of whether picks at `nowMs` avoid a host, or undefined when none is suspected
   * (the common case: the pick then filters nothing). Expired entries are dropped here.
   */
  avoids(nowMs: number): ((host: string) => boolean) | undefined {
    if (this.suspects.size === 0) return undefined;
    for (const [h, untilMs] of this.suspects) if (untilMs <= nowMs) this.suspects.delete(h);
    if (this.suspects.size === 0) return undefined;
    const suspects = this.suspects;
    return (h) => suspects.has(h);
  }

  /** Hosts avoided now (tests, diagnostics). */
  get suspected(): readonly string[] {
    return [...this.suspects.keys()];
  }
}
