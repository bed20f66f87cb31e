/**
 * A server's replies: encodes each one (within maxPayloadBytes) and sends it through the
 * ROUTER's SendQueue (zeromq.js allows one send in flight). A reply that cannot be sent as
 * it is — a result JSON cannot carry, one over the size limit — becomes a failure reply,
 * and a call too large to read is answered with PayloadTooLarge: the caller learns at once
 * instead of waiting for its deadline (spec/api.md, "Bad input"; spec/server.md). ACKs
 * and the kept replies sent again for duplicates go through the same queue, so a call's
 * ACK always leaves before its reply. Replies and ACKs to a peer whose request came in a
 * batch may leave in one (coalescing, decision 0027): those that queue up behind a send.
 */
import {
  encodeAck,
  encodeReply,
  encodeReplyFrames,
  MessageType,
  replyFrames,
  type DecodedRequest,
} from "../core/codec.js";
import type { OutFrame } from "../core/out-frames.js";
import { serializeRemoteError } from "../core/remote-error.js";
import { PayloadTooLarge } from "../errors.js";
import type { ResolvedOptions } from "../options.js";
import type { Clock, TimerId } from "../ports/clock.js";
import type { PortSocket } from "../ports/socket.js";
import { coalescingOf, SendQueue } from "../pool/send-queue.js";

/** What the handler returns for one request: a body, or a serialized failure. */
export type HandlerResult = { body: unknown } | { failure: string };

/** The counters this class keeps (a part of the listener's stats). */
export interface ReplyStats {
  batchesSent: number;
  replied: number;
  replyFailures: number;
  oversized: number;
  acks: number;
  ackFailures: number;
  repliesResent: number;
}

type Counter = "replied" | "acks" | "repliesResent";
const FAILURE: Record<Counter, "replyFailures" | "ackFailures"> = {
  replied: "replyFailures",
  acks: "ackFailures",
  repliesResent: "replyFailures",
};

export class ReplySender {
  private readonly queue: SendQueue;

  constructor(
    socket: PortSocket,
    private readonly clock: Clock,
    private readonly options: Pick<
      ResolvedOptions,
      "maxQueuedSends" | "maxPayloadBytes" | "coalesceMaxMessages" | "coalesceMaxBytes" | "maxFrameBytes"
    >,
    private readonly stats: ReplyStats,
  ) {
    const coalescing = coalescingOf(options, 1);
    if (coalescing) coalescing.onBatch = () => this.stats.batchesSent++;
    this.queue = new SendQueue(socket, clock, options.maxQueuedSends, undefined, undefined, coalescing);
  }

  /**
   * Sends the reply to `req` and returns its payload frame (the server keeps it for
   * duplicates): bytes, or the JSON text of a short one (core/out-frames.ts).
   */
  reply(req: DecodedRequest, result: HandlerResult): OutFrame {
    const max = this.options.maxPayloadBytes;
    let frames: OutFrame[];
    try {
      frames =
        "failure" in result
          ? encodeReplyFrames(req.peerId, req.messageId, null, result.failure, max)
          : encodeReplyFrames(req.peerId, req.messageId, result.body, null, max);
    } catch (err) {
      // A result JSON cannot carry (the codec's TypeError names the path) or one over
      // maxPayloadBytes (PayloadTooLarge) becomes a failure reply the caller sees at once.
      frames = this.failureFrames(req.peerId, req.messageId, err);
    }
    this.send(frames, "replied", req.inBatch === true);
    return frames[5]!;
  }

  /** ACKs request `messageId` to the peer that sent it; `inBatch`: the request came in a batch. */
  ack(peerId: Buffer, messageId: string, inBatch = false): void {
    this.send(encodeAck(peerId, messageId), "acks", inBatch);
  }

  /** Sends a kept reply (its payload) again, to the peer that sent the duplicate. */
  resend(peerId: Buffer, messageId: string, payload: Buffer, inBatch = false): void {
    this.send(replyFrames(peerId, messageId, payload), "repliesResent", inBatch);
  }

  /**
   * A request over maxPayloadBytes was not read: a call's caller gets a PayloadTooLarge
   * failure now rather than a timeout; a cast or fanout is dropped (nobody waits for it).
   */
  refuseOversized(peerId: Buffer, big: { messageId: string; type: number; bytes: number }): void {
    this.stats.oversized++;
    if (big.type !== MessageType.CALL) return;
    const err = new PayloadTooLarge("request", big.bytes, this.options.maxPayloadBytes);
    this.send(this.failureFrames(peerId, big.messageId, err), "replied", false);
  }

  /** Resolves when every queued reply has left, or after `limitMs`, whichever comes first. */
  async flush(limitMs: number): Promise<void> {
    if (this.queue.depth === 0) return;
    let timer: TimerId | undefined;
    await Promise.race([this.queue.whenIdle(), new Promise<void>((r) => (timer = this.clock.setTimer(limitMs, r)))]);
    if (timer !== undefined) this.clock.clearTimer(timer);
  }

  close(): void {
    this.queue.close();
  }

  /** A failure reply for `err`; without its traceback when the whole one would be over the limit. */
  private failureFrames(peerId: Buffer, messageId: string, err: unknown): Buffer[] {
    const failure = serializeRemoteError(err);
    try {
      return encodeReply(peerId, messageId, null, failure, this.options.maxPayloadBytes);
    } catch {
      const brief = JSON.stringify({ ...(JSON.parse(failure) as object), tb: [] });
      // Still over a tiny limit: sent anyway, and the client fails the call on its size.
      return encodeReply(peerId, messageId, null, brief, Number.POSITIVE_INFINITY);
    }
  }

  private send(frames: OutFrame[], counter: Counter, batchable: boolean): void {
    // Callbacks, not a promise: one promise and its derived one less per reply.
    this.queue.enqueueThen(
      frames,
      Infinity,
      batchable,
      () => this.stats[counter]++,
      () => this.stats[FAILURE[counter]]++,
    );
  }
}
