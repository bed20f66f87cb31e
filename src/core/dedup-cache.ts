/**
 * The server's memory of recent message ids, so that it never runs one message twice: a
 * bounded TTL cache keyed by message id (oslo's TTLCache of DealerConsumerWithAcks in
 * oslo_messaging/_drivers/zmq_driver/server/consumers/zmq_dealer_consumer.py, there with
 * one fixed TTL, rpc_message_ttl = 300 s, and no bound).
 *
 * Each entry lives until the expiry the shell gives it (the request's deadline plus a
 * margin, spec/server.md "Deduplication") on the caller-supplied time line; an expired
 * entry counts as absent. Two bounds keep memory finite whatever the deadlines:
 * - maxEntries: adding beyond it forgets the oldest entries first. Forgetting one whose
 *   expiry is still ahead is counted (`evicted`): a duplicate of it would run again.
 * - maxReplyBytes: the encoded replies kept for finished calls, summed; beyond it the
 *   oldest kept replies are let go first (`repliesDropped`), their ids still remembered.
 *   A reply larger than the whole bound is never kept.
 *
 * Expired entries leave from the front of the insertion order: an entry that expires
 * earlier than one added before it stays (invisible) until that one expires or the count
 * bound pushes it out. Pure and synchronous: time comes in as an argument.
 */

export interface DedupEntry<R> {
  /** When the entry stops counting, on the cache's time line. */
  readonly expiresAtMs: number;
  /** The request has finished (or was dropped before it ran). */
  done: boolean;
  /** The kept reply of a finished call, if it fitted. */
  reply: R | undefined;
  replyBytes: number;
}

export class DedupCache<R> {
  private readonly entries = new Map<string, DedupEntry<R>>();
  /** Entries holding a reply, oldest first (a Set keeps insertion order). */
  private readonly withReply = new Set<DedupEntry<R>>();
  /** The front entry's expiry: nothing expires before it, so purging waits until then. */
  private frontExpiresAtMs = Number.POSITIVE_INFINITY;
  /** Bytes of the kept replies. */
  replyBytes = 0;
  /** Entries forgotten before they expired because of maxEntries. */
  evicted = 0;
  /** Kept replies let go because of maxReplyBytes (or too large to keep at all). */
  repliesDropped = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxReplyBytes: number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError("maxEntries must be an integer >= 1");
    if (!(maxReplyBytes >= 0)) throw new RangeError("maxReplyBytes must be >= 0");
  }

  /** Entries held, expired ones not yet purged included. */
  get size(): number {
    return this.entries.size;
  }

  /** The live entry for `id`, or undefined (never seen, forgotten, or expired at `nowMs`). */
  get(id: string, nowMs: number): DedupEntry<R> | undefined {
    const e = this.entries.get(id);
    return e !== undefined && e.expiresAtMs > nowMs ? e : undefined;
  }

  /** The entry for `id` whether or not it has expired (the shell finishing a request it admitted). */
  peek(id: string): DedupEntry<R> | undefined {
    return this.entries.get(id);
  }

  /** Remembers `id` as accepted and not finished until `expiresAtMs`; replaces an expired entry. */
  add(id: string, expiresAtMs: number, nowMs: number): DedupEntry<R> {
    if (nowMs >= this.frontExpiresAtMs) this.purge(nowMs);
    const old = this.entries.get(id);
    if (old !== undefined) this.remove(id, old); // re-added: moves to the back
    const e: DedupEntry<R> = { expiresAtMs, done: false, reply: undefined, replyBytes: 0 };
    this.entries.set(id, e);
    if (this.entries.size === 1) this.frontExpiresAtMs = expiresAtMs;
    while (this.entries.size > this.maxEntries) this.evictFront(nowMs);
    return e;
  }

  /** Marks `e` finished, keeping `reply` (`bytes` long) when the byte bound allows it. */
  finish(e: DedupEntry<R>, reply?: R, bytes = 0): void {
    e.done = true;
    if (reply === undefined || e.reply !== undefined) return;
    if (bytes > this.maxReplyBytes) {
      this.repliesDropped++;
      return;
    }
    e.reply = reply;
    e.replyBytes = bytes;
    this.replyBytes += bytes;
    this.withReply.add(e);
    while (this.replyBytes > this.maxReplyBytes) {
      const oldest = this.withReply.values().next().value as DedupEntry<R>;
      this.dropReply(oldest);
      this.repliesDropped++;
    }
  }

  /** Removes every entry from the front that has expired at `nowMs`. */
  purge(nowMs: number): void {
    for (const [id, e] of this.entries) {
      if (e.expiresAtMs > nowMs) {
        this.frontExpiresAtMs = e.expiresAtMs;
        return;
      }
      this.remove(id, e);
    }
    this.frontExpiresAtMs = Number.POSITIVE_INFINITY;
  }

  private evictFront(nowMs: number): void {
    const first = this.entries.entries().next().value as [string, DedupEntry<R>];
    if (first[1].expiresAtMs > nowMs) this.evicted++;
    this.remove(first[0], first[1]);
    const next = this.entries.values().next().value as DedupEntry<R> | undefined;
    this.frontExpiresAtMs = next === undefined ? Number.POSITIVE_INFINITY : next.expiresAtMs;
  }

  private remove(id: string, e: DedupEntry<R>): void {
    this.entries.delete(id);
    if (e.reply !== undefined) this.dropReply(e);
  }

  private dropReply(e: DedupEntry<R>): void {
    this.withReply.delete(e);
    this.replyBytes -= e.replyBytes;
    e.reply = undefined;
    e.replyBytes = 0;
  }
}
