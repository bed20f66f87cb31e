/**
 * The discrete-event queue: an indexed binary min-heap ordered by (atUs, seq). The
 * insertion sequence number breaks ties, so events at the same virtual time run in the
 * order they were scheduled, on every run. Each event knows its heap index, so a
 * cancelled event leaves the heap at once (O(log n)) instead of lingering until its time:
 * the driver re-arms timers on nearly every request, and lazily cancelled entries would
 * pile up by the million in long runs.
 */
export interface SimEvent {
  readonly atUs: number;
  readonly seq: number;
  /** Position in the heap; -1 once popped or removed. */
  idx: number;
  /** Runs the event; it gets the event itself, so one function can serve many events. */
  readonly fn: (ev: SimEvent) => void;
  /** Data for `fn` (a process timer: its callback, and its id in `tag`). */
  readonly arg: unknown;
  readonly tag: number;
}

export class EventQueue {
  private readonly heap: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atUs: number, fn: (ev: SimEvent) => void, arg: unknown = undefined, tag = 0): SimEvent {
    const ev: SimEvent = { atUs, seq: this.seq++, idx: this.heap.length, fn, arg, tag };
    this.heap.push(ev);
    this.up(ev.idx);
    return ev;
  }

  peek(): SimEvent | undefined {
    return this.heap[0];
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top;
  }

  /** Removes a pending event; a no-op for one already run or removed. */
  remove(ev: SimEvent): boolean {
    if (ev.idx < 0 || this.heap[ev.idx] !== ev) return false;
    this.removeAt(ev.idx);
    return true;
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const ev = h[i]!;
    const last = h.pop()!;
    ev.idx = -1;
    if (last === ev) return;
    h[i] = last;
    last.idx = i;
    this.down(i);
    this.up(last.idx);
  }

  private less(a: SimEvent, b: SimEvent): boolean {
    return a.atUs < b.atUs || (a.atUs === b.atUs && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const ev = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!this.less(ev, parent)) break;
      h[i] = parent;
      parent.idx = i;
      i = p;
    }
    h[i] = ev;
    ev.idx = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const ev = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      const child = h[c]!;
      if (!this.less(child, ev)) break;
      h[i] = child;
      child.idx = i;
      i = c;
    }
    h[i] = ev;
    ev.idx = i;
  }
}
