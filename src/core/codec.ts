/**
 * Wire codec: the only place where peer input is parsed and validated. This module is the
 * request side and the codec's one entry point; it re-exports the answer side (replies and
 * ACKs, answer-codec.ts), the payload JSON checks (payload-json.ts) and what both sides
 * share (wire-frames.ts).
 *
 * Frame layout (oslo.messaging zmq driver, message version "1.0", direct mode):
 *   request, DEALER -> ROUTER  ["", "1.0", type, messageId, payload]
 *   request as ROUTER reads it [peerId, "", "1.0", type, messageId, payload]
 *   reply,   ROUTER -> DEALER  [peerId, "", "1.0", "5", messageId, payload]
 *   reply as DEALER reads it   ["", "1.0", "5", messageId, payload]
 *   ack,     ROUTER -> DEALER  [peerId, "", "1.0", "6", messageId, ""]
 *   ack as DEALER reads it     ["", "1.0", "6", messageId, ""]
 * payload is JSON: [context, message] for requests and [replyBody, failure] for replies,
 * where failure is null or the JSON string of a serialized exception (remote-error.ts).
 * The message of a CALL, CAST or CAST_FANOUT is an RPC message ({method, args, ...}); that
 * of a NOTIFY (type 4) is oslo's notification message (notify-message.ts).
 * A request's context may carry the driver's "_zmq" key (deadline, ack: wire-context.ts);
 * the decoder takes it out of the context and returns it beside it.
 *
 * Rules: decode functions never throw; they return a tagged result so that a malformed
 * frame from a peer is dropped and counted by the caller, never crashes it. Encoding
 * asserts its own inputs (our bugs are not peer input).
 */
import { RECORD_HEAD } from "./batch-frames.js";
import { explainUnserializable, unserializableError } from "./json-check.js";
import { checkNotification, type NotificationMessage } from "./notify-message.js";
import { asBuffers, type OutFrame } from "./out-frames.js";
import { parsePair, payloadBuffer, payloadFrame } from "./payload-json.js";
import { takeWireMeta, type WireMeta } from "./wire-context.js";
import {
  type Decoded,
  DEFAULT_MAX_PAYLOAD_BYTES,
  EMPTY,
  fail,
  isPlainObject,
  MessageType,
  oversized,
  type RequestType,
  type RpcRequestType,
  sameBytes,
  shown,
  TYPE_FRAMES,
  VERSION_FRAME,
} from "./wire-frames.js";
import { checkRpcMessage, type DecodedRequest, type RpcMessage } from "./wire-messages.js";

export type {
  DecodedAck,
  DecodedNotification,
  DecodedReply,
  DecodedRequest,
  DecodedRpcRequest,
  RpcMessage,
} from "./wire-messages.js";
export {
  decodeAck,
  decodeBatchedAck,
  decodeBatchedReply,
  decodeReply,
  encodeAck,
  encodeReply,
  encodeReplyFrames,
  isAckFrames,
  isAckRecord,
  replyFrames,
} from "./answer-codec.js";
export { MAX_JSON_DEPTH, nestsDeeperThan } from "./payload-json.js";
export {
  type Decoded,
  DEFAULT_MAX_PAYLOAD_BYTES,
  MALFORMED_KINDS,
  type MalformedKind,
  MESSAGE_VERSION,
  MessageType,
  type RequestType,
  type RpcRequestType,
  zeroMalformedCounts,
} from "./wire-frames.js";

/**
 * Encodes a request. Throws a TypeError naming what JSON cannot carry (`args.x is a
 * BigInt`, a circular reference) and PayloadTooLarge when the payload is over `maxBytes`:
 * both are the caller's to see at once, nothing is sent.
 */
export const encodeRequest = asBuffers(encodeRequestFrames);

/**
 * encodeRequest for a send queue: the same frames, checked the same way, except that the
 * message id, and a payload of at most TEXT_PAYLOAD_MAX_BYTES, stay text (out-frames.ts),
 * written into a batch or encoded when sent alone.
 */
export function encodeRequestFrames(
  type: RpcRequestType,
  messageId: string,
  context: Record<string, unknown>,
  message: RpcMessage,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): OutFrame[] {
  if (!message.method) throw new TypeError("codec: message.method is required");
  const json = jsonOf(context, message, ["args", message.args]);
  const payload = payloadFrame(json, maxBytes, "request");
  return [EMPTY, VERSION_FRAME, TYPE_FRAMES[type], messageId, payload];
}

/**
 * The payload frame of a NOTIFY (type 4): encoded once and sent to every pool, each copy
 * with its own message id (notificationFrames). Throws like encodeRequest, naming
 * `payload`, and a TypeError for a message that is not a notification.
 */
export function encodeNotificationPayload(
  context: Record<string, unknown>,
  message: NotificationMessage,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Buffer {
  const bad = checkNotification(message);
  if (bad) throw new TypeError(`codec: ${bad}`);
  return payloadBuffer(jsonOf(context, message, ["payload", message.payload]), maxBytes, "request");
}

/** The frames of one NOTIFY whose payload is already encoded. */
export function notificationFrames(messageId: string, payload: Buffer): Buffer[] {
  return [EMPTY, VERSION_FRAME, TYPE_FRAMES[MessageType.NOTIFY], Buffer.from(messageId), payload];
}

/** `[context, message]` as JSON; `[name, value]`: the part of the message named when JSON fails. */
function jsonOf(context: Record<string, unknown>, message: unknown, [name, value]: [string, unknown]): string {
  try {
    return JSON.stringify([context, message]);
  } catch (err) {
    const detail = explainUnserializable("context", context) ?? explainUnserializable(name, value);
    throw unserializableError(err, "the request", detail);
  }
}

/** Parses a request as a ROUTER socket receives it. */
export function decodeRequest(
  frames: readonly Buffer[],
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Decoded<DecodedRequest> {
  if (frames.length !== 6) return fail("frames", `expected 6 frames, got ${frames.length}`);
  const [peerId, empty, version, type, id, payload] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  if (empty.length !== 0) return fail("delimiter", "frame 1 is not the empty delimiter");
  if (!sameBytes(version, VERSION_FRAME)) return fail("version", `unsupported message version ${shown(version)}`);
  const t = type.length === 1 ? type[0]! - 0x30 : 0; // exactly one ASCII digit, as encodeRequest writes it
  if (t !== 1 && t !== 2 && t !== 3 && t !== 4) return fail("type", `unknown request type ${shown(type)}`);
  return requestOf(peerId, t, id, 0, id.length, payload, 0, payload.length, maxBytes);
}

/**
 * Parses one request of a batch a ROUTER received from `peerId`, where readBatch found it
 * (core/batch-frames.ts): type `records[at]`, id to `idEnd`, payload to `end`. Checks
 * what decodeRequest checks of a message that came alone, reading the id and payload
 * straight from the records (no view per message).
 */
export function decodeBatchedRequest(
  peerId: Buffer,
  records: Buffer,
  at: number,
  idEnd: number,
  end: number,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Decoded<DecodedRequest> {
  const t = records[at]! - 0x30;
  if (t !== 1 && t !== 2 && t !== 3 && t !== 4)
    return fail("type", `unknown request type ${shown(records.subarray(at, at + 1))}`);
  return requestOf(peerId, t, records, at + RECORD_HEAD, idEnd, records, idEnd, end, maxBytes);
}

/** The checks and parse after the envelope: the id in `ids` and the payload in `payloads`, each by range. */
function requestOf(
  peerId: Buffer,
  t: RequestType,
  ids: Buffer,
  idStart: number,
  idEnd: number,
  payloads: Buffer,
  payloadStart: number,
  payloadEnd: number,
  maxBytes: number,
): Decoded<DecodedRequest> {
  const idBytes = idEnd - idStart;
  if (idBytes === 0 || idBytes > 128) return fail("id", "message id is empty or too long");
  const messageId = ids.toString("utf8", idStart, idEnd);
  const bytes = payloadEnd - payloadStart;
  if (bytes > maxBytes) return oversized(messageId, t, bytes, maxBytes);
  const pair = parsePair(payloads, maxBytes, payloadStart, payloadEnd, "[context, message]");
  if (!pair.ok) return pair;
  const [context, message] = pair.value;
  if (!isPlainObject(context)) return fail("context", "context is not an object");
  const bad = t === MessageType.NOTIFY ? checkNotification(message) : checkRpcMessage(message);
  if (bad) return fail("message", bad);
  const meta = takeWireMeta(context);
  if (typeof meta === "string") return fail("context", meta);
  if (t === MessageType.NOTIFY) {
    const n = message as NotificationMessage;
    const { deadline, ack, once } = meta;
    return {
      ok: true,
      value: withTrace(
        {
          peerId,
          type: t,
          messageId,
          context,
          message: n,
          deadline,
          ack,
          once,
          inBatch: undefined,
          requeues: meta.requeues ?? 0,
        },
        meta,
      ),
    };
  }
  const m = message as RpcMessage;
  if (m.args === undefined) m.args = {}; // the parsed object is this request's own: no copy
  // inBatch is set by the listener after decoding (a batch's messages): named here so it
  // has its place in the object, with the others in the object itself; added
  // later it went to a property array of its own: 32 bytes more per request a server
  // holds (80 + 40 instead of 88, heap snapshot, issue 14).
  return {
    ok: true,
    value: withTrace(
      {
        peerId,
        type: t,
        messageId,
        context,
        message: m,
        deadline: meta.deadline,
        ack: meta.ack,
        once: meta.once,
        inBatch: undefined,
      },
      meta,
    ),
  };
}

/** Adds the sender's trace context to a decoded request, when it sent one (spec/observability.md). */
function withTrace<R extends DecodedRequest>(r: R, meta: WireMeta): R {
  if (meta.traceparent === undefined) return r;
  r.traceparent = meta.traceparent;
  if (meta.tracestate !== undefined) r.tracestate = meta.tracestate;
  return r;
}
