/**
 * A FIFO of pairs (a message and what goes with it: the time it was written, the flow it
 * came on). The head pair sits in two fields of its own and only the pairs behind it go
 * to a ring buffer (interleaved, power-of-two capacity, doubled when full). Flows and pipe
 * ends hold zero or one message nearly all the time, so most pushes and shifts touch this
 * object alone: no ring, no second queue kept in step with the first.
 */
export class PairFifo<A, B> {
  /** The head pair (valid while length > 0). */
  private a0: A | undefined = undefined;
  private b0: B | undefined = undefined;
  /** Pairs behind the head: a at 2i, b at 2i + 1, from slot `head`. */
  private ring: unknown[] | undefined = undefined;
  private head = 0;
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(a: A, b: B): void {
    if (this.n++ === 0) {
      this.a0 = a;
      this.b0 = b;
      return;
    }
    let ring = this.ring;
    const behind = this.n - 2; // pairs already in the ring
    if (ring === undefined || 2 * behind === ring.length) ring = this.grow(behind);
    const i = (this.head + 2 * behind) & (ring.length - 1);
    ring[i] = a;
    ring[i + 1] = b;
  }

  /** The head's first item, or undefined when empty. */
  peekA(): A | undefined {
    return this.n > 0 ? this.a0 : undefined;
  }

  /** The head's second item, or undefined when empty. */
  peekB(): B | undefined {
    return this.n > 0 ? this.b0 : undefined;
  }

  /** Removes the head pair; read it with peekA/peekB first. */
  drop(): void {
    if (this.n === 0) return;
    if (--this.n === 0) {
      this.a0 = undefined;
      this.b0 = undefined;
      return;
    }
    const ring = this.ring!;
    const h = this.head;
    this.a0 = ring[h] as A;
    this.b0 = ring[h + 1] as B;
    ring[h] = undefined;
    ring[h + 1] = undefined;
    this.head = (h + 2) & (ring.length - 1);
  }

  /** Removes everything; returns how many pairs there were. */
  clear(): number {
    const n = this.n;
    this.a0 = undefined;
    this.b0 = undefined;
    this.ring = undefined;
    this.head = 0;
    this.n = 0;
    return n;
  }

  /** Calls `fn` with the first item of every pair, head first. */
  forEachA(fn: (a: A) => void): void {
    if (this.n === 0) return;
    fn(this.a0 as A);
    const ring = this.ring;
    if (ring === undefined) return;
    const mask = ring.length - 1;
    for (let k = 0; k < this.n - 1; k++) fn(ring[(this.head + 2 * k) & mask] as A);
  }

  /** Doubles the ring (at least 4 pairs), its `behind` pairs in order from slot 0. */
  private grow(behind: number): unknown[] {
    const old = this.ring;
    const cap = Math.max(8, old === undefined ? 0 : old.length * 2);
    const ring: unknown[] = new Array<unknown>(cap).fill(undefined);
    if (old !== undefined) {
      const mask = old.length - 1;
      for (let k = 0; k < 2 * behind; k++) ring[k] = old[(this.head + k) & mask];
    }
    this.ring = ring;
    this.head = 0;
    return ring;
  }
}
