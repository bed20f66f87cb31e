/**
 * The pending requests' deadlines: a binary min-heap of the requests themselves, ordered
 * by (deadlineMs, seq), each request keeping its own index (`deadlineSlot`), so that a
 * settled request leaves at once (`remove`, O(log n)).
 *
 * Memory (issue 14, bench/pending-memory.ts): the generic MinHeap (min-heap.ts) wraps
 * each value in a {key, seq, value} entry (48 bytes, and 16 more for the boxed key) and
 * drops a settled request only when it reaches the top, so one long call kept every
 * request settled after it (its frames and promise callbacks with it) until that call's
 * deadline. Here a request costs two number fields of its own and nothing once settled.
 */
import type { DeliveryRequest } from "./delivery-request.js";

export class DeadlineHeap<T> {
  private readonly items: DeliveryRequest<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** The request whose deadline comes first (the earliest booked at a tie), if any. */
  peek(): DeliveryRequest<T> | undefined {
    return this.items[0];
  }

  /** Adds `r` (not in the heap). */
  push(r: DeliveryRequest<T>): void {
    if (r.deadlineSlot !== -1) throw new Error(`delivery: request ${r.id} is already in the deadline heap`);
    r.seq = this.seq++;
    this.items.push(r);
    this.up(this.items.length - 1, r);
  }

  /** Takes `r` out, if it is in. */
  remove(r: DeliveryRequest<T>): void {
    const i = r.deadlineSlot;
    if (i === -1) return;
    r.deadlineSlot = -1;
    const a = this.items;
    const last = a.pop()!;
    if (last === r) return;
    a[i] = last;
    last.deadlineSlot = i;
    if (i > 0 && this.less(last, a[(i - 1) >> 1]!)) this.up(i, last);
    else this.down(i, last);
  }

  /** Every request in the heap, in the order they were pushed (a copy, sorted: for rare walks over all of them). */
  inPushOrder(): DeliveryRequest<T>[] {
    return this.items.slice().sort((a, b) => a.seq - b.seq);
  }

  clear(): void {
    for (const r of this.items) r.deadlineSlot = -1;
    this.items.length = 0;
  }

  private less(a: DeliveryRequest<T>, b: DeliveryRequest<T>): boolean {
    return a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.seq < b.seq);
  }

  /** Moves `r`, at index `i`, towards the root while it comes before its parent. */
  private up(i: number, r: DeliveryRequest<T>): void {
    const a = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (!this.less(r, parent)) break;
      a[i] = parent;
      parent.deadlineSlot = i;
      i = p;
    }
    a[i] = r;
    r.deadlineSlot = i;
  }

  /** Moves `r`, at index `i`, towards the leaves while a child comes before it. */
  private down(i: number, r: DeliveryRequest<T>): void {
    const a = this.items;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const rt = l + 1;
      const c = rt < n && this.less(a[rt]!, a[l]!) ? rt : l;
      const child = a[c]!;
      if (!this.less(child, r)) break;
      a[i] = child;
      child.deadlineSlot = i;
      i = c;
    }
    a[i] = r;
    r.deadlineSlot = i;
  }
}
