/**
 * A server's live counters (RpcServer.stats), kept by the listener and the parts it
 * drives: the receive loop, the ReplySender (replies, ACKs, kept replies sent again) and
 * the RequestIntake (expired requests, duplicates, the dedup cache's bounds). Every
 * request the receive loop reads ends in exactly one of malformed, oversized,
 * unsupported, expired, duplicates, refused or handled, or is still queued or running
 * (spec/server.md, "Stats"). The malformed ones are also counted by what was wrong with
 * them (`malformedByKind`, the codec's MalformedKind), whose counts add up to `malformed`.
 */
import { zeroMalformedCounts, type MalformedKind } from "../core/codec.js";

export interface ListenerStats {
  /** Messages read from the socket: each message of a batch envelope counts, a malformed envelope once. */
  received: number;
  /** Batch envelopes read (core/batch-frames.ts); their messages count in `received`. */
  batchesReceived: number;
  /** Batch envelopes of replies and ACKs sent: those that queued up for one client that sends batches. */
  batchesSent: number;
  /** Frame sets the codec rejected, dropped. */
  malformed: number;
  /** `malformed` by what the codec found wrong first (spec/codec.md, "Validation and malformed input"). */
  malformedByKind: Record<MalformedKind, number>;
  /** Requests over maxPayloadBytes, dropped unread; a call among them got a PayloadTooLarge failure reply. */
  oversized: number;
  /** Requests whose handler ran to completion. */
  handled: number;
  /** Replies handed to the socket. */
  replied: number;
  /** Replies (first or sent again) that could not be sent: client gone, its queue full, stopping. */
  replyFailures: number;
  /** Requests that arrived while the server was stopping, dropped. */
  refused: number;
  /** Highest number of requests running at once. */
  maxInFlight: number;
  /** Times the receive loop paused because maxQueuedRequests were waiting (back-pressure). */
  backpressurePauses: number;
  /** Well-formed requests of a type this listener does not serve (NOTIFY), dropped. */
  unsupported: number;
  /** Client connections the socket saw close (ZMQ_EVENT_DISCONNECTED). */
  peerDisconnects: number;
  /**
   * Connections whose security handshake failed, nothing read from them: a client key not
   * in curve.allowedClientKeys, a client without CURVE at a CURVE server (or the other way
   * round), a client using another server key (spec/security.md).
   */
  refusedHandshakes: number;
  /** Requests dropped unrun because their deadline had passed on this host's wall clock (at receipt or before starting). */
  expired: number;
  /** Requests whose message id this server had already accepted, dropped unrun (answered with the kept reply or an ACK). */
  duplicates: number;
  /** Kept replies sent again, to duplicates of finished calls. */
  repliesResent: number;
  /** ACKs sent (to requests that asked for one, duplicates included). */
  acks: number;
  /** ACKs that could not be sent (client gone, queue full, stopping). */
  ackFailures: number;
  /** Remembered message ids forgotten before their time because dedupMaxEntries was reached. */
  dedupEvicted: number;
  /** Kept replies let go because of dedupMaxReplyBytes (their ids are still remembered). */
  dedupRepliesDropped: number;
}

export function newListenerStats(): ListenerStats {
  return {
    received: 0,
    batchesReceived: 0,
    batchesSent: 0,
    malformed: 0,
    malformedByKind: zeroMalformedCounts(),
    oversized: 0,
    handled: 0,
    replied: 0,
    replyFailures: 0,
    refused: 0,
    maxInFlight: 0,
    backpressurePauses: 0,
    unsupported: 0,
    peerDisconnects: 0,
    refusedHandshakes: 0,
    expired: 0,
    duplicates: 0,
    repliesResent: 0,
    acks: 0,
    ackFailures: 0,
    dedupEvicted: 0,
    dedupRepliesDropped: 0,
  };
}
