/**
 * The delivery core's books: pending requests by message id (in the order they were
 * made), their deadlines and wake-ups (DeliveryTimeline) and the key waits (HostWaits).
 * Every state change of a request goes through `move`, which looks it up in the
 * transition table (request-states.ts) and throws on one the table does not allow, and
 * tells the shell when a request will not be sent again (`sendsOver`); every
 * settle goes through `settle`, which takes the request out of every table, then has the
 * shell release its leases and settle its promise.
 */
import type { HostLoad } from "./balancing/host-load.js";
import type { DeliveryEffects, DeliveryRequest } from "./delivery-request.js";
import { DeliveryTimeline } from "./delivery-timeline.js";
import { HostWaits } from "./host-waits.js";
import { IdTable } from "./id-table.js";
import { nextRequestState, type RequestEvent } from "./request-states.js";

export class RequestBook<T> {
  /** By id: an IdTable, not a Map, which churn made keep settled requests alive (id-table.ts). */
  private readonly pending = new IdTable<DeliveryRequest<T>>();
  readonly waits: HostWaits<DeliveryRequest<T>>;
  readonly timeline: DeliveryTimeline<T>;

  /** Called at the settle of a request that is a half-open host's probe (the flows' probeLeft). */
  onProbeSettled: ((r: DeliveryRequest<T>) => void) | undefined = undefined;

  constructor(
    private readonly out: DeliveryEffects<T>,
    intervalMs: number,
    /** The load tracker (balancing/host-load.ts), when the strategy reads one: a settled request leaves its host. */
    private readonly load: HostLoad | undefined = undefined,
  ) {
    this.waits = new HostWaits(intervalMs);
    this.timeline = new DeliveryTimeline(this.waits);
  }

  /** Books a new request and its deadline. Its id must not be pending. */
  add(r: DeliveryRequest<T>): void {
    if (this.pending.has(r.id)) throw new Error(`delivery: duplicate request id ${r.id}`);
    this.pending.set(r.id, r);
    this.timeline.addDeadline(r);
  }

  get(id: string): DeliveryRequest<T> | undefined {
    return this.pending.get(id);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Pending requests in the order they were made (settling one while iterating is allowed). */
  values(): IterableIterator<DeliveryRequest<T>> {
    return this.pending.values();
  }

  move(r: DeliveryRequest<T>, event: RequestEvent): void {
    const to = nextRequestState(r.state, event);
    if (to === undefined) throw new Error(`delivery: event ${event} is not allowed for a request in state ${r.state}`);
    r.state = to;
    if (to === "awaiting-reply" && r.failover !== "move") this.out.sendsOver?.(r);
  }

  /** `r` waits for its key's hosts. True when the key must be looked up now (no lookup in flight). */
  join(r: DeliveryRequest<T>): boolean {
    return this.waits.join(r.key, r);
  }

  /** Settles `r` by `event`: out of every table, its leases released, then its promise settled. */
  settle(r: DeliveryRequest<T>, event: RequestEvent, ok: boolean, value: unknown): void {
    if (r.state === "waiting-for-hosts") this.waits.leave(r.key, r);
    this.load?.settled(r, event === "expire" && r.state === "awaiting-reply"); // balancing
    this.move(r, event);
    if (r.probeOf !== undefined) this.onProbeSettled?.(r);
    this.pending.delete(r.id);
    this.timeline.removeDeadline(r);
    this.out.release(r);
    this.out.settle(r, ok, value);
  }

  /** Forgets every wait and wake-up (close, after every pending request settled). */
  clear(): void {
    this.pending.clear();
    this.timeline.clear();
    this.waits.clear();
  }
}
