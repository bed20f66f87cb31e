/**
 * The delivery core's books: pending requests, their deadlines and wake-ups
 * (DeliveryTimeline) and the key waits (HostWaits), and by message id those a message or
 * a probe check can name.
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
import { nextRequestState, type RequestEvent } from "./request-states.js";

export class RequestBook<T> {
  /**
   * By id, the pending requests something can name: a call (its reply), with acks on every
   * request (its ACK), and a half-open host's probe (HostHealth asks whether it is still
   * out). A cast or fanout without acks is named by nothing once made, so it is not indexed:
   * looking up, adding and removing a fresh id string was about a tenth of the CPU of a cast
   * (main-thread profile, casts in bursts of 64, compiled, Node 20). A Map: a
   * dictionary-mode object, tried instead while casts were in it (V8 links a churning
   * Map's obsolete tables, which kept settled requests alive, spec/delivery.md "What a
   * settled request leaves behind"), halved their garbage-collection time but internalizes
   * every id: with calls alone in the table it made 64 calls in flight 25 % slower.
   */
  private readonly byId = new Map<string, DeliveryRequest<T>>();
  /** Probes indexed only because they are probes (rare: one per half-open host at a time). */
  private readonly probes = new Set<DeliveryRequest<T>>();
  readonly waits: HostWaits<DeliveryRequest<T>>;
  readonly timeline: DeliveryTimeline<T>;

  /** Called at the settle of a request that is a half-open host's probe (the flows' probeLeft). */
  onProbeSettled: ((r: DeliveryRequest<T>) => void) | undefined = undefined;

  constructor(
    private readonly out: DeliveryEffects<T>,
    intervalMs: number,
    /** The load tracker (balancing/host-load.ts), when the strategy reads one: a settled request leaves its host. */
    private readonly load: HostLoad | undefined = undefined,
    /** Acks on: every request may be named by an ACK. */
    private readonly acks = false,
  ) {
    this.waits = new HostWaits(intervalMs);
    this.timeline = new DeliveryTimeline(this.waits);
  }

  /** Books a new request and its deadline. Its id must not be pending (an indexed one's is checked). */
  add(r: DeliveryRequest<T>): void {
    if (this.indexed(r)) {
      if (this.byId.has(r.id)) throw new Error(`delivery: duplicate request id ${r.id}`);
      this.byId.set(r.id, r);
    }
    this.timeline.addDeadline(r);
  }

  /** `r` was picked as a half-open host's probe: from now on `get` finds it, whatever its kind. */
  indexProbe(r: DeliveryRequest<T>): void {
    if (this.indexed(r) || this.probes.has(r)) return;
    this.probes.add(r);
    this.byId.set(r.id, r);
  }

  /** The pending request of `id` that something can name (see `byId`); undefined for any other. */
  get(id: string): DeliveryRequest<T> | undefined {
    return this.byId.get(id);
  }

  /** Pending requests, indexed or not: each has its deadline in the timeline. */
  get size(): number {
    return this.timeline.deadlineCount;
  }

  /**
   * Pending requests in the order they were made: a snapshot, sorted (O(n log n): walked
   * on close and when a host is believed dead, never per message). One that settles
   * during the walk is skipped when its turn comes.
   */
  *values(): IterableIterator<DeliveryRequest<T>> {
    for (const r of this.timeline.pendingInOrder()) if (r.state !== "settled") yield r;
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
    if (this.indexed(r) || (this.probes.size > 0 && this.probes.delete(r))) this.byId.delete(r.id);
    this.timeline.removeDeadline(r);
    this.out.release(r);
    this.out.settle(r, ok, value);
  }

  /** Forgets every wait and wake-up (close, after every pending request settled). */
  clear(): void {
    this.byId.clear();
    this.probes.clear();
    this.timeline.clear();
    this.waits.clear();
  }

  private indexed(r: DeliveryRequest<T>): boolean {
    return r.kind === "call" || this.acks;
  }
}
