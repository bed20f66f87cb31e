/**
 * What a server does with a well-formed request around its handler (spec/server.md,
 * "Deadlines, duplicates and acks"):
 *
 * - expiry: a request whose deadline (the caller's, epoch ms, from "_zmq") has passed on
 *   this host's wall clock is dropped, at receipt and again before it starts after waiting
 *   in the work gate. Nothing is sent back: the caller has given up.
 * - dedup: every accepted message id is remembered (core/dedup-cache.ts) until its
 *   deadline plus DEDUP_MARGIN_MS. A duplicate never runs: a finished call's kept reply is
 *   sent again, otherwise an ACK when the duplicate asks for one; nothing else. A request
 *   whose "_zmq".once is true is neither looked up nor remembered: its client never sends
 *   that id again (acks off and direct routing; for calls and casts, a client not marked
 *   idempotent: core/wire-context.ts, sendsOnce; decision 0028). That skips the
 *   cache for the default configuration, where it can never find a duplicate: casts in
 *   bursts of 64 spent about 1.3 µs of the server's 10.6 µs each in it (main-thread CPU,
 *   A/B, Node 20), its id strings kept for the deadline (60 s by default) with it.
 * - acks: a request whose "_zmq".ack is true is acknowledged as soon as the work gate has
 *   accepted it, before it runs (oslo's DealerConsumerWithAcks acked on receipt).
 *
 * The listener (rpc-listener.ts) calls screen() at receipt, accepted() once the gate took
 * the request, startable() before a queued one starts, replied() after a call's reply.
 * A remembered id is a duplicate whether its request is queued, running or done; only a
 * call's kept reply changes the answer.
 */
import type { DecodedRequest } from "../core/codec.js";
import type { OutFrame } from "../core/out-frames.js";
import { DedupCache } from "../core/dedup-cache.js";
import type { ResolvedOptions } from "../options.js";
import type { Clock } from "../ports/clock.js";
import type { ReplySender } from "./reply-sender.js";

/**
 * How long a remembered id outlives its request's deadline. A duplicate that arrives
 * after the deadline is dropped as expired anyway; the margin covers this host's wall
 * clock being stepped back (NTP) by up to a second between the copies. Also the clock
 * skew the deadlines tolerate (spec/server.md, "Clock skew").
 */
export const DEDUP_MARGIN_MS = 1000;

/** The counters this class keeps (a part of the listener's stats). */
export interface IntakeStats {
  expired: number;
  duplicates: number;
  dedupEvicted: number;
  dedupRepliesDropped: number;
}

export type Screened = "new" | "expired" | "duplicate";

export class RequestIntake {
  /**
   * Kept replies are held as their payload's bytes in a one-byte (latin1) string rather
   * than as Buffers: a small Buffer is a slice of Node's shared 8 KB pool and would keep
   * the whole slab alive, and a string is one object on the heap, cheaper to keep for
   * seconds. latin1 maps each byte to one character and back, so the bytes sent again
   * are the bytes sent first.
   */
  private readonly cache: DedupCache;
  /** Replies too long to keep at all (never handed to the cache). */
  private tooLong = 0;
  /** Budget given to ids of requests without a deadline: the longest one seen, at least the default timeout. */
  private longestBudgetMs: number;
  /** Both clocks as screen() read them, for accepted() in the same turn. */
  private screenedNowMs = 0;
  private screenedEpochMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly replies: ReplySender,
    options: Pick<ResolvedOptions, "dedupMaxEntries" | "dedupMaxReplyBytes" | "rpcResponseTimeoutMs">,
    private readonly stats: IntakeStats,
  ) {
    this.cache = new DedupCache(options.dedupMaxEntries, options.dedupMaxReplyBytes);
    this.longestBudgetMs = options.rpcResponseTimeoutMs;
  }

  /**
   * At receipt: "new", or "expired" / "duplicate" (counted and acted on: drop it).
   * `epochMs`: the wall clock at receipt, when the caller read it already (once for a
   * whole batch: a clock read is about 50 ns on the machines we measure, issue 14).
   */
  screen(req: DecodedRequest, epochMs = this.clock.epochMs()): Screened {
    const epoch = epochMs;
    this.screenedEpochMs = epoch;
    if (req.deadline !== undefined && req.deadline <= epoch) {
      this.stats.expired++;
      return "expired";
    }
    if (req.once) return "new";
    const now = this.clock.nowMs();
    this.screenedNowMs = now;
    if (!this.cache.has(req.messageId, now)) return "new";
    this.stats.duplicates++;
    // A reply answers the duplicate and acknowledges it at once.
    const kept = this.cache.reply(req.messageId);
    if (kept !== undefined)
      this.replies.resend(
        req.peerId,
        req.messageId,
        typeof kept === "string" ? Buffer.from(kept, "latin1") : kept,
        req.inBatch,
      );
    else if (req.ack) this.replies.ack(req.peerId, req.messageId, req.inBatch);
    return "duplicate";
  }

  /** The work gate accepted the request screen() just passed: remember its id (unless once), ACK it when asked. */
  accepted(req: DecodedRequest): void {
    if (!req.once) this.remember(req);
    if (req.ack) this.replies.ack(req.peerId, req.messageId, req.inBatch);
  }

  private remember(req: DecodedRequest): void {
    let budget = this.longestBudgetMs;
    if (req.deadline !== undefined) {
      budget = req.deadline - this.screenedEpochMs;
      if (budget > this.longestBudgetMs) this.longestBudgetMs = budget;
    }
    const now = this.screenedNowMs;
    this.cache.add(req.messageId, now + budget + DEDUP_MARGIN_MS, now);
    this.stats.dedupEvicted = this.cache.evicted;
  }

  /** Before a request that waited in the work gate starts: false when its deadline passed meanwhile (counted). */
  startable(req: DecodedRequest): boolean {
    if (req.deadline === undefined || req.deadline > this.clock.epochMs()) return true;
    this.stats.expired++;
    return false;
  }

  /** A call ran and was answered with `payload` (bytes, or a short payload's JSON text): kept for its duplicates, within the byte bound. */
  replied(req: DecodedRequest, sent: OutFrame): void {
    if (req.once) return; // never asked for again
    // The cache keeps bytes: a payload still in text is encoded here (only for requests
    // that may come again; a "once" request returned above).
    const payload = typeof sent === "string" ? Buffer.from(sent) : sent;
    if (payload.length > this.cache.maxReplyBytes) this.tooLong++;
    else this.cache.keepReply(req.messageId, ownsItsMemory(payload) ? payload : payload.toString("latin1"));
    this.stats.dedupRepliesDropped = this.cache.repliesDropped + this.tooLong;
  }

  /** Ids remembered now (expired ones not yet purged included). */
  get remembered(): number {
    return this.cache.size;
  }
}

/**
 * Whether `payload` is the only user of its memory (a large reply: Buffer.from allocates
 * one of 4 KiB or more by itself). Then it is kept as it is: no copy, and its bytes live
 * outside the V8 heap, which the garbage collector neither scans nor moves. Keeping 64 KiB
 * replies as latin1 strings copied each one into the heap and halved the throughput of
 * 64 KiB calls (1,374 calls/s without kept replies against 729 with them, measured one
 * at a time, Node 20). A small one is a slice of Node's shared 8 KiB pool, which it would
 * keep alive whole: it is copied into a string.
 */
function ownsItsMemory(payload: Buffer): boolean {
  return payload.byteOffset === 0 && payload.buffer.byteLength === payload.length;
}
