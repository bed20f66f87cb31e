/**
 * A table keyed by message id for tables that gain and lose an entry with every message
 * (the delivery core's pending requests): a plain object in dictionary mode, not a Map.
 *
 * Why not a Map (issue 14, measured on Node 20 with casts in bursts of 64): a Map that
 * grows and shrinks by dozens of entries per burst is rehashed into a new backing table
 * again and again, and V8 links each obsolete table to its successor (for live
 * iterators). An obsolete table that had been promoted to the old generation stays there,
 * dead, until the next full collection, and the scavenger takes everything it points to as
 * alive: the requests that were in it when it was rehashed, the tables after it in the
 * chain, and what those hold. The client's young-generation survivors were 1 to 3 MB per
 * scavenge (about 1 KB per cast, promoted and later freed by mark-compact) and a scavenge
 * paused 3 to 12 ms. With this table: 10 to 90 KB survive, a scavenge takes about 1 ms
 * (3.4 ms on average before, over 200,000 casts), and the garbage collector's share of a
 * cast went from about 1.2 µs to 0.5 µs (with the Outbound cutting its references at
 * settle, driver/outbound.ts, which halved it before). A dictionary's old store, replaced
 * when it shrinks, is not linked to its successor.
 *
 * The price: a string key is internalized (looked up in V8's string table), so an id's
 * add, lookup and removal cost about 1 µs against 0.3 µs in a Map (microbenchmark, fresh
 * ids). Main-thread CPU per cast and per call came out the same either way (A/B, 7.9 and
 * 8.0 µs a cast, 12.6 and 12.4 µs a call at 64 in flight); what the table buys is short
 * pauses (a call's p99) and less garbage promoted. It costs about 32 bytes more per
 * pending call (627 against 595 B of client heap, npm run bench:memory).
 *
 * Order: iteration follows insertion for ids that are not array indices (the client
 * engine's ids, "<prefix>.<counter>", never are); array-index-like ids ("7") come first,
 * in numeric order, as in any object.
 */
export class IdTable<V> {
  private entries: Record<string, V> = Object.create(null) as Record<string, V>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.entries[id] !== undefined;
  }

  get(id: string): V | undefined {
    return this.entries[id];
  }

  /** Adds or replaces the entry of `id`. */
  set(id: string, value: V): void {
    if (this.entries[id] === undefined) this.count++;
    this.entries[id] = value;
  }

  /** Removes the entry of `id`; false when there was none. */
  delete(id: string): boolean {
    if (this.entries[id] === undefined) return false;
    delete this.entries[id];
    this.count--;
    return true;
  }

  /**
   * The values, in the order above. Deleting entries while iterating is allowed: one
   * deleted before its turn is not visited. Entries added meanwhile may or may not be.
   */
  *values(): IterableIterator<V> {
    for (const id in this.entries) {
      const v = this.entries[id];
      if (v !== undefined) yield v;
    }
  }

  clear(): void {
    this.entries = Object.create(null) as Record<string, V>;
    this.count = 0;
  }
}
