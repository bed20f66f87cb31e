/**
 * A fanout's progress, host by host: each copy is being sent, waits to be sent again
 * after a failed send, was accepted by the host's connection, or was given up. Every
 * change is looked up in FANOUT_HOST_TRANSITIONS (request-states.ts). The fanout is over
 * when no host is sending or paused; it succeeded when every host accepted its copy.
 * Bookkeeping only: the delivery core (delivery-core.ts) decides and emits the sends.
 */
import type { DeliveryRequest } from "./delivery-request.js";
import { nextFanoutHostState, type FanoutHostEvent, type FanoutHostState } from "./request-states.js";

/** One host of a fanout and its copy's progress. */
export class FanoutHost<T> {
  state: FanoutHostState = "sending";
  /** When a paused copy is sent again. */
  untilMs = 0;

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
  /** Hosts still sending or paused. */
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

  accept(h: FanoutHost<T>): void {
    this.move(h, "accepted");
    this.delivered++;
    this.open--;
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

  /** No host is sending or paused any more. */
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
