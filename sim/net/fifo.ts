/**
 * A FIFO over a ring buffer (power-of-two capacity, doubled when full): a pipe end's
 * messages written while no link is up. A ring keeps reusing the same few slots, where an
 * array with a moving head would keep growing and being copied. (Messages in transit and
 * unread messages travel with a companion value: pair-fifo.ts.)
 */
export class Fifo<T> {
  private buf: (T | undefined)[] = [];
  private head = 0;
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(item: T): void {
    const buf = this.buf;
    if (this.n === buf.length) {
      this.grow();
      this.buf[this.n++] = item;
      return;
    }
    buf[(this.head + this.n) & (buf.length - 1)] = item;
    this.n++;
  }

  peek(): T | undefined {
    return this.n > 0 ? this.buf[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.n === 0) return undefined;
    const buf = this.buf;
    const item = buf[this.head];
    buf[this.head] = undefined;
    this.head = (this.head + 1) & (buf.length - 1);
    this.n--;
    return item;
  }

  /** Removes everything; returns how many items there were. */
  clear(): number {
    const n = this.n;
    this.buf = [];
    this.head = 0;
    this.n = 0;
    return n;
  }

  /** Doubles the capacity (at least 4), the items in order from slot 0. */
  private grow(): void {
    const old = this.buf;
    const cap = Math.max(4, old.length * 2);
    const buf: (T | undefined)[] = [];
    for (let i = 0; i < this.n; i++) buf.push(old[(this.head + i) & (old.length - 1)]);
    for (let i = this.n; i < cap; i++) buf.push(undefined);
    this.buf = buf;
    this.head = 0;
  }
}
