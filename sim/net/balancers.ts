/**
 * libzmq's outbound load balancer (src/lb.cpp) and inbound fair queue (src/fq.cpp), over
 * pipe ends, with the same array-with-active-prefix bookkeeping, so that the order in which
 * a simulated DEALER spreads messages over its peers (and a socket reads its pipes) is
 * the order libzmq uses, including after a peer leaves and comes back:
 *
 * - attach appends the pipe and swaps it into the active prefix;
 * - a pipe that cannot take a message (HWM) or has nothing to read leaves the prefix;
 * - `activated` swaps it back in when it can write (read) again;
 * - a terminated pipe is swapped out of the prefix and erased (the last item takes its slot);
 * - after a whole message, `current` moves to the next active pipe.
 */
abstract class ActiveArray<T extends object> {
  readonly items: T[] = [];
  active = 0;
  current = 0;

  /** The item's position (its own field: lbIdx or fqIdx, so a pipe can be in both arrays). */
  abstract index(item: T): number;

  protected abstract setIndex(item: T, i: number): void;

  has(item: T): boolean {
    const i = this.index(item);
    return i >= 0 && this.items[i] === item;
  }

  swap(i: number, j: number): void {
    if (i === j) return;
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.setIndex(b, i);
    this.setIndex(a, j);
  }

  attach(item: T): void {
    this.items.push(item);
    this.setIndex(item, this.items.length - 1);
    this.swap(this.active, this.items.length - 1);
    this.active++;
  }

  /** Swaps an attached item back into the active prefix. */
  protected activate(item: T): void {
    const i = this.index(item);
    if (i < this.active) return;
    this.swap(i, this.active);
    this.active++;
  }

  /** Moves the item at `current` out of the active prefix (it cannot write / read now). */
  deactivateCurrent(): void {
    this.active--;
    this.swap(this.current, this.active);
    if (this.current === this.active) this.current = 0;
  }

  terminated(item: T): void {
    if (!this.has(item)) return;
    const i = this.index(item);
    if (i < this.active) {
      this.active--;
      this.swap(i, this.active);
      if (this.current === this.active) this.current = 0;
    }
    const idx = this.index(item);
    const last = this.items.pop()!;
    if (last !== item) {
      this.items[idx] = last;
      this.setIndex(last, idx);
    }
    this.setIndex(item, -1);
  }

  advance(): void {
    this.current = this.active > 0 ? (this.current + 1) % this.active : 0;
  }
}

export interface Writable {
  lbIdx: number;
  canWrite(): boolean;
}

/** lb_t: round robin over active pipes that can take a message. */
export class LoadBalancer<T extends Writable> extends ActiveArray<T> {
  index(item: T): number {
    return item.lbIdx;
  }

  protected setIndex(item: T, i: number): void {
    item.lbIdx = i;
  }

  activated(p: T): void {
    if (this.has(p)) this.activate(p);
  }

  get size(): number {
    return this.items.length;
  }

  /** The pipe the next message goes to (advancing past it), or undefined: EAGAIN. */
  next(): T | undefined {
    while (this.active > 0) {
      const p = this.items[this.current]!;
      if (p.canWrite()) {
        this.advance();
        return p;
      }
      this.deactivateCurrent();
    }
    return undefined;
  }
}

export interface Readable<M> {
  fqIdx: number;
  /** Takes the next message, or undefined when the pipe is empty. */
  take(): M | undefined;
}

/** fq_t: round robin over pipes that have messages to read. */
export class FairQueue<M, T extends Readable<M>> extends ActiveArray<T> {
  /** The pipe the last message returned by next() came from. */
  from: T | undefined;

  index(item: T): number {
    return item.fqIdx;
  }

  protected setIndex(item: T, i: number): void {
    item.fqIdx = i;
  }

  activated(p: T): void {
    if (this.has(p)) this.activate(p);
  }

  /** The next message (its pipe in `from`), or undefined when nothing is readable. */
  next(): M | undefined {
    while (this.active > 0) {
      const p = this.items[this.current]!;
      const msg = p.take();
      if (msg !== undefined) {
        this.advance();
        this.from = p;
        return msg;
      }
      this.deactivateCurrent();
    }
    return undefined;
  }
}
