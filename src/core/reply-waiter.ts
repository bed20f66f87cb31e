/**
 * Reply waiter: the table of outstanding requests and their deadlines. Pure.
 *
 * Each pending entry leaves the table exactly once: `settle` (its reply arrived, or the
 * caller settled it otherwise, e.g. a cast was delivered or failed), `expire` (its deadline
 * passed) or `drain` (the transport closed). `settle` of an unknown or already-settled id
 * returns undefined: the caller drops that reply as stale (a late reply after a timeout,
 * or a forged id).
 * `nextDeadlineMs()` is the only wake-up the shell must arm.
 */
import { MinHeap } from "./min-heap.js";

export class ReplyWaiter<T> {
  private readonly pending = new Map<string, { deadlineMs: number; value: T }>();
  /** Deadlines in order; entries of settled ids are skipped lazily. */
  private readonly deadlines = new MinHeap<string>();

  add(id: string, deadlineMs: number, value: T): void {
    if (this.pending.has(id)) throw new Error(`reply-waiter: duplicate id ${id}`);
    this.pending.set(id, { deadlineMs, value });
    this.deadlines.push(deadlineMs, id);
  }

  get(id: string): T | undefined {
    return this.pending.get(id)?.value;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Removes and returns the entry for `id`, or undefined if it is unknown (stale reply). */
  settle(id: string): T | undefined {
    const e = this.pending.get(id);
    if (!e) return undefined;
    this.pending.delete(id);
    return e.value;
  }

  /** Removes and returns every entry whose deadline is at or before `nowMs`. */
  expire(nowMs: number): T[] {
    const out: T[] = [];
    for (let top = this.live(); top && top.key <= nowMs; top = this.live()) {
      this.deadlines.pop();
      const e = this.pending.get(top.value)!;
      this.pending.delete(top.value);
      out.push(e.value);
    }
    return out;
  }

  nextDeadlineMs(): number | undefined {
    return this.live()?.key;
  }

  /** The earliest heap entry that still belongs to a pending id (drops stale ones). */
  private live(): { key: number; value: string } | undefined {
    for (let top = this.deadlines.peek(); top; top = this.deadlines.peek()) {
      const e = this.pending.get(top.value);
      if (e && e.deadlineMs === top.key) return top;
      this.deadlines.pop();
    }
    return undefined;
  }

  /** Removes and returns all entries (transport close). */
  drain(): T[] {
    const out = [...this.pending.values()].map((e) => e.value);
    this.pending.clear();
    this.deadlines.clear();
    return out;
  }

  get size(): number {
    return this.pending.size;
  }
}
