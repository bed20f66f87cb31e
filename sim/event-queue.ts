/**
 * The discrete-event queue: an indexed 4-ary min-heap ordered by (atUs, seq). The
 * insertion sequence number breaks ties, so events at the same virtual time run in the
 * order they were scheduled, on every run (the order is a total order on (atUs, seq), so
 * it does not depend on the heap's shape). Each event knows its heap index, so a cancelled
 * event leaves the heap at once (O(log n)) instead of lingering until its time: the driver
 * re-arms timers on nearly every request, and lazily cancelled entries would pile up by
 * the million in long runs.
 *
 * Layout, for speed at scale: the keys sit in two typed arrays parallel to the heap
 * (`at[i]`, `seq[i]` for `heap[i]`), so comparisons read contiguous numbers instead of
 * thousands of scattered event objects, and four children per node halve the depth (the
 * four keys of a node's children are adjacent).
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
  private at = new Float64Array(1024);
  private sq = new Float64Array(1024);
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atUs: number, fn: (ev: SimEvent) => void, arg: unknown = undefined, tag = 0): SimEvent {
    const i = this.heap.length;
    const ev: SimEvent = { atUs, seq: this.seq++, idx: i, fn, arg, tag };
    if (i === this.at.length) this.grow();
    this.heap.push(ev);
    this.up(i, ev);
    return ev;
  }

  peek(): SimEvent | undefined {
    return this.heap[0];
  }

  pop(): SimEvent | undefined {
    const top = this.heap[0];
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
    // `last` fills the hole: down if it is larger than the hole's children, else up.
    this.down(i, last);
    if (last.idx === i) this.up(i, last);
  }

  /** Places `ev` at `i` or above, moving larger parents down. */
  private up(i: number, ev: SimEvent): void {
    const h = this.heap;
    const at = this.at;
    const sq = this.sq;
    const kAt = ev.atUs;
    const kSeq = ev.seq;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pAt = at[p]!;
      if (kAt > pAt || (kAt === pAt && kSeq > sq[p]!)) break;
      const parent = h[p]!;
      h[i] = parent;
      at[i] = pAt;
      sq[i] = sq[p]!;
      parent.idx = i;
      i = p;
    }
    h[i] = ev;
    at[i] = kAt;
    sq[i] = kSeq;
    ev.idx = i;
  }

  /** Places `ev` at `i` or below, moving smaller children up (`ev` is not in the heap's slots yet). */
  private down(i: number, ev: SimEvent): void {
    const h = this.heap;
    const at = this.at;
    const sq = this.sq;
    const n = h.length;
    const kAt = ev.atUs;
    const kSeq = ev.seq;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // The smallest of up to four children.
      let c = first;
      let cAt = at[first]!;
      let cSeq = sq[first]!;
      const end = Math.min(first + 4, n);
      for (let j = first + 1; j < end; j++) {
        const jAt = at[j]!;
        if (jAt < cAt || (jAt === cAt && sq[j]! < cSeq)) {
          c = j;
          cAt = jAt;
          cSeq = sq[j]!;
        }
      }
      if (cAt > kAt || (cAt === kAt && cSeq > kSeq)) break;
      const child = h[c]!;
      h[i] = child;
      at[i] = cAt;
      sq[i] = cSeq;
      child.idx = i;
      i = c;
    }
    h[i] = ev;
    at[i] = kAt;
    sq[i] = kSeq;
    ev.idx = i;
  }

  private grow(): void {
    const at = new Float64Array(this.at.length * 2);
    const sq = new Float64Array(this.sq.length * 2);
    at.set(this.at);
    sq.set(this.sq);
    this.at = at;
    this.sq = sq;
  }
}
