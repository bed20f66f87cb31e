/**
 * What the delivery core (delivery-core.ts) answers without an input: its next wake-up,
 * its pending requests, the keys it waits for, its hosts' health. Read-only; the core
 * extends this class, so a query never changes a request.
 */
import type { DeliveryRequest } from "./delivery-request.js";
import type { HostHealth } from "./host-health.js";
import type { RequestBook } from "./request-book.js";

export abstract class DeliveryQueries<T> {
  /** An input is being handled: its effects run now, and must not call back in. */
  protected busy = false;

  constructor(
    protected readonly book: RequestBook<T>,
    protected readonly health: HostHealth,
  ) {}

  /** When the shell must call `timerFired` next; undefined when nothing is pending. */
  nextWakeMs(): number | undefined {
    return this.book.timeline.nextMs();
  }

  /**
   * The earliest wake-up added since the last call (Infinity: none). A shell arming its
   * timer at or before each of these, and at `nextWakeMs()` when it fires, is always armed
   * in time without asking after every input (spec/delivery.md, "Inputs").
   */
  takeEarliestAddedWake(): number {
    return this.book.timeline.takeEarliestAdded();
  }

  get pendingCount(): number {
    return this.book.size;
  }

  /** An input is running (its effects are being called): a new input now would be refused. */
  get inInput(): boolean {
    return this.busy;
  }

  /** Pending requests in the order they were made (tests, diagnostics). */
  pending(): IterableIterator<DeliveryRequest<T>> {
    return this.book.values();
  }

  /** The pending request of message `id`, if any (tests, diagnostics: an unindexed one is searched for). */
  request(id: string): DeliveryRequest<T> | undefined {
    const r = this.book.get(id);
    if (r !== undefined) return r;
    for (const p of this.book.values()) if (p.id === id) return p;
    return undefined;
  }

  /**
   * The keys requests wait for hosts of (only those make `keyChanged` do anything): a live
   * read-only map, the same object for the core's lifetime, which the shell checks cheaply.
   */
  keysWaitedFor(): ReadonlyMap<string, unknown> {
    return this.book.waits.view;
  }

  /** Hosts whose breaker is not closed: open, half-open or being probed (tests, diagnostics). */
  get unhealthyHosts(): readonly string[] {
    return this.health.unhealthy;
  }

  /**
   * What the core's books hold (tests, diagnostics): deadlines (exactly the pending
   * requests: a settled one leaves at once) and wake-ups (a stale one stays until it
   * reaches the top, at the latest its time; none once `nextWakeMs()` said undefined).
   */
  get held(): { deadlines: number; wakes: number } {
    return this.book.timeline.held;
  }

  /** Keys with requests waiting for hosts or a lookup in flight (tests, diagnostics). */
  get waitingKeys(): number {
    return this.book.waits.size;
  }
}
