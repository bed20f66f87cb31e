/**
 * A fanout's progress, host by host: each copy is being sent, waits to be sent again
 * after a failed send, waits for the host's ACK (acks on), was delivered, or was given
 * up. Every change is looked up in FANOUT_HOST_TRANSITIONS (request-states.ts). The
 * fanout is over when every host is delivered or given up; it succeeded when every host
 * was delivered.
 * Bookkeeping only: the delivery core (delivery-core.ts) decides and emits the sends.
 */
import type { DeliveryRequest } from "./delivery-request.js";
import { nextFanoutHostState, type FanoutHostEvent, type FanoutHostState } from "./request-states.js";

/** One host of a fanout and its copy's progress. */
export class FanoutHost<T> {
  state: FanoutHostState = "sending";
  /** When a paused copy is sent again, or (awaiting-ack) when the wait for its ACK ends. */
  untilMs = 0;
  /** Copies sent to the host and accepted by its connection (acks on: the n-th waits ackTimeoutMs × 2^(n-1)). */
  copies = 0;

  constructor(
    readonly request: DeliveryRequest<T>,
    readonly host: string,
  ) {}
}

export class FanoutProgress<T> {
  /** Each host of the snapshot, in snapshot order. */
  readonly hosts = new Map<string, FanoutHost<T>>();
  /** Copies accepted. */
  delivered = 0;
  /** Hosts neither delivered nor given up. */
  private open: number;

  /** Every host of `snapshot` starts sending. */
  constructor(r: DeliveryRequest<T>, snapshot: readonly string[]) {
    for (const h of snapshot) this.hosts.set(h, new FanoutHost(r, h));
    this.open = this.hosts.size;
  }

  /** The host's entry when its copy is in flight; undefined for a stale outcome. */
  sending(host: string): FanoutHost<T> | undefined {
    const h = this.hosts.get(host);
    return h?.state === "sending" ? h : undefined;
  }

  /** The host's entry when it may be acknowledged (its copy in flight or waiting for the ACK); else undefined. */
  ackable(host: string): FanoutHost<T> | undefined {
    const h = this.hosts.get(host);
    return h?.state === "sending" || h?.state === "awaiting-ack" ? h : undefined;
  }

  /** The copy was accepted by the host's connection (acks off), or acknowledged by the host (`acked`). */
  accept(h: FanoutHost<T>, event: "accepted" | "acked" = "accepted"): void {
    this.move(h, event);
    this.delivered++;
    this.open--;
  }

  /** Acks on: the copy was accepted by the host's connection; its ACK is awaited until `untilMs`. */
  sent(h: FanoutHost<T>, untilMs: number): void {
    h.untilMs = untilMs;
    h.copies++;
    this.move(h, "sent");
  }

  /** No ACK came in time: the copy is sent to the host again. */
  resend(h: FanoutHost<T>): void {
    this.move(h, "resend");
  }

  giveUp(h: FanoutHost<T>): void {
    this.move(h, "giveUp");
    this.open--;
  }

  /** The copy is sent again at `untilMs`. */
  pause(h: FanoutHost<T>, untilMs: number): void {
    h.untilMs = untilMs;
    this.move(h, "failed");
  }

  resume(h: FanoutHost<T>): void {
    this.move(h, "resume");
  }

  /** Every host is delivered or given up. */
  get ended(): boolean {
    return this.open === 0;
  }

  private move(h: FanoutHost<T>, event: FanoutHostEvent): void {
    const to = nextFanoutHostState(h.state, event);
    if (to === undefined)
      throw new Error(`delivery: event ${event} is not allowed for a fanout host in state ${h.state}`);
    h.state = to;
  }
}
