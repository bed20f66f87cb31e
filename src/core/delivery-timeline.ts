/**
 * The delivery core's time line: every pending request's deadline, and the wake-ups of
 * waiting things (a paused call or cast, a paused fanout copy, the end of a wait for an
 * ACK, a key's next poll). Two heaps ordered by (time, insertion). A request's deadline
 * leaves its heap when the request settles (deadline-heap.ts); a wake-up that is no longer
 * wanted (its request settled, its pause was replaced, its key was looked up meanwhile) is
 * skipped when it reaches the top, so no wake-up is ever searched for or removed early.
 *
 * At equal times a deadline comes before a wake-up: a pause that ends at its request's
 * deadline never starts another attempt.
 */
import { DeadlineHeap } from "./deadline-heap.js";
import { DeliveryRequest } from "./delivery-request.js";
import { FanoutHost } from "./fanout-progress.js";
import type { HostWaits, KeyWait } from "./host-waits.js";
import { MinHeap } from "./min-heap.js";

/** A wake-up: a paused call or cast or one waiting for its ACK, the same for a fanout copy, or a key's next poll. */
export type Wake<T> = DeliveryRequest<T> | FanoutHost<T> | KeyWait<DeliveryRequest<T>>;

export class DeliveryTimeline<T> {
  private readonly deadlines = new DeadlineHeap<T>();
  private readonly wakes = new MinHeap<Wake<T>>();
  /** The earliest time added since `takeEarliestAdded` was last called (Infinity: none). */
  private earliestAdded = Infinity;

  /** `waits`: to tell whether a key's poll is still wanted. */
  constructor(private readonly waits: HostWaits<DeliveryRequest<T>>) {}

  /** A new pending request: its deadline. */
  addDeadline(r: DeliveryRequest<T>): void {
    this.deadlines.push(r);
    if (r.deadlineMs < this.earliestAdded) this.earliestAdded = r.deadlineMs;
  }

  /** Deadlines held: one per pending request. */
  get deadlineCount(): number {
    return this.deadlines.size;
  }

  /** Every pending request (each has its deadline here), in the order they were booked: a sorted copy. */
  pendingInOrder(): DeliveryRequest<T>[] {
    return this.deadlines.inPushOrder();
  }

  /** `r` settled: its deadline leaves (nothing of a settled request stays in the deadline heap). */
  removeDeadline(r: DeliveryRequest<T>): void {
    this.deadlines.remove(r);
  }

  /** Deadlines and wake-ups held, stale wake-ups included (tests, diagnostics). */
  get held(): { deadlines: number; wakes: number } {
    return { deadlines: this.deadlines.size, wakes: this.wakes.size };
  }

  /** `w` wants to be woken at `atMs` (its own `wakeAtMs`, `untilMs` or `pollAtMs`). */
  wakeAt(atMs: number, w: Wake<T>): void {
    this.wakes.push(atMs, w);
    if (atMs < this.earliestAdded) this.earliestAdded = atMs;
  }

  /**
   * The earliest deadline or wake-up added since the last call (Infinity when none was),
   * and forget it. Entries only leave between calls, so a timer armed at or before every
   * time this returned (and at `nextMs()` when it fired) is armed at or before every
   * live entry.
   */
  takeEarliestAdded(): number {
    const t = this.earliestAdded;
    this.earliestAdded = Infinity;
    return t;
  }

  /** What is due first at `nowMs`: a request's deadline, a wake-up, or nothing. Take it with `takeDeadline` / `takeWake`. */
  dueAt(nowMs: number): "deadline" | "wake" | undefined {
    const d = this.deadlines.peek()?.deadlineMs;
    const w = this.liveWake();
    if (d !== undefined && d <= nowMs && (w === undefined || d <= w.key)) return "deadline";
    return w !== undefined && w.key <= nowMs ? "wake" : undefined;
  }

  takeDeadline(): DeliveryRequest<T> {
    const r = this.deadlines.peek()!;
    this.deadlines.remove(r);
    return r;
  }

  takeWake(): Wake<T> {
    return this.wakes.pop()!.value;
  }

  /** The earliest live deadline or wake-up; undefined when there is none. */
  nextMs(): number | undefined {
    const d = this.deadlines.peek()?.deadlineMs;
    const w = this.liveWake();
    if (d === undefined) return w?.key;
    return w === undefined || d <= w.key ? d : w.key;
  }

  clear(): void {
    this.deadlines.clear();
    this.wakes.clear();
    this.earliestAdded = Infinity;
  }

  private liveWake(): { key: number; value: Wake<T> } | undefined {
    for (let top = this.wakes.peek(); top !== undefined; top = this.wakes.peek()) {
      const v = top.value;
      const live =
        v instanceof DeliveryRequest
          ? (v.state === "paused" || v.state === "awaiting-ack") && v.wakeAtMs === top.key
          : v instanceof FanoutHost
            ? (v.state === "paused" || v.state === "awaiting-ack") &&
              v.request.state !== "settled" &&
              v.untilMs === top.key
            : this.waits.pollWanted(v, top.key);
      if (live) return top;
      this.wakes.pop();
    }
    return undefined;
  }
}
