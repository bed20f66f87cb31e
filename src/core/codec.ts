/**
 * Wire codec: the only place where peer input is parsed and validated.
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
import { PayloadTooLarge } from "../errors.js";
import { explainUnserializable, unserializableError } from "./json-check.js";
import { checkNotification, type NotificationMessage } from "./notify-message.js";
import { takeWireMeta, type WireMeta } from "./wire-context.js";
import {
  checkRpcMessage,
  type DecodedAck,
  type DecodedReply,
  type DecodedRequest,
  type RpcMessage,
} from "./wire-messages.js";

export type {
  DecodedAck,
  DecodedNotification,
  DecodedReply,
  DecodedRequest,
  DecodedRpcRequest,
  RpcMessage,
} from "./wire-messages.js";

export const MESSAGE_VERSION = "1.0";

export const MessageType = { CALL: 1, CAST: 2, CAST_FANOUT: 3, NOTIFY: 4, REPLY: 5, ACK: 6 } as const;
export type RequestType = 1 | 2 | 3 | 4;
/** The request types whose message is an RPC message (encodeRequest); NOTIFY has its own encoder. */
export type RpcRequestType = 1 | 2 | 3;

/**
 * A decode result. A frame set that is well formed but whose payload is over the size limit
 * carries `oversized`: the message id and type were read (the payload was not), so the
 * receiver can answer or fail that one request instead of leaving it to time out.
 */
export type Decoded<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string; oversized?: { messageId: string; type: number; bytes: number } };

const EMPTY = Buffer.alloc(0);
const VERSION_FRAME = Buffer.from(MESSAGE_VERSION);
const REPLY_TYPE_FRAME = Buffer.from(String(MessageType.REPLY));
const ACK_TYPE_FRAME = Buffer.from(String(MessageType.ACK));
const TYPE_FRAMES: Record<RequestType, Buffer> = {
  1: Buffer.from("1"),
  2: Buffer.from("2"),
  3: Buffer.from("3"),
  4: Buffer.from("4"),
};

/** Upper bound on a payload we accept from a peer. @default 64 MiB */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/**
 * Encodes a request. Throws a TypeError naming what JSON cannot carry (`args.x is a
 * BigInt`, a circular reference) and PayloadTooLarge when the payload is over `maxBytes`:
 * both are the caller's to see at once, nothing is sent.
 */
export function encodeRequest(
  type: RpcRequestType,
  messageId: string,
  context: Record<string, unknown>,
  message: RpcMessage,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Buffer[] {
  if (!message.method) throw new TypeError("codec: message.method is required");
  return requestFrames(type, messageId, context, message, maxBytes);
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
  return payloadOf(context, message, ["payload", message.payload], maxBytes);
}

/** The frames of one NOTIFY whose payload is already encoded. */
export function notificationFrames(messageId: string, payload: Buffer): Buffer[] {
  return [EMPTY, VERSION_FRAME, TYPE_FRAMES[MessageType.NOTIFY], Buffer.from(messageId), payload];
}

function requestFrames(
  type: RequestType,
  messageId: string,
  context: Record<string, unknown>,
  message: RpcMessage,
  maxBytes: number,
): Buffer[] {
  const payload = payloadOf(context, message, ["args", message.args], maxBytes);
  return [EMPTY, VERSION_FRAME, TYPE_FRAMES[type], Buffer.from(messageId), payload];
}

/** `[context, message]` as JSON within `maxBytes`; `[name, value]`: the part of the message named when JSON fails. */
function payloadOf(
  context: Record<string, unknown>,
  message: unknown,
  [name, value]: [string, unknown],
  maxBytes: number,
): Buffer {
  let json: string;
  try {
    json = JSON.stringify([context, message]);
  } catch (err) {
    const detail = explainUnserializable("context", context) ?? explainUnserializable(name, value);
    throw unserializableError(err, "the request", detail);
  }
  return payloadBuffer(json, maxBytes, "request");
}

/**
 * Encodes a reply. Throws like encodeRequest (naming `result`, the endpoint's return
 * value): the server turns either error into a failure reply.
 */
export function encodeReply(
  peerId: Buffer,
  messageId: string,
  body: unknown,
  failure: string | null,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Buffer[] {
  let json: string;
  try {
    json = JSON.stringify([body === undefined ? null : body, failure]);
  } catch (err) {
    throw unserializableError(err, "the reply", explainUnserializable("result", body));
  }
  return [
    peerId,
    EMPTY,
    VERSION_FRAME,
    REPLY_TYPE_FRAME,
    Buffer.from(messageId),
    payloadBuffer(json, maxBytes, "reply"),
  ];
}

/** The frames of a reply whose payload is already encoded (a kept reply sent again). */
export function replyFrames(peerId: Buffer, messageId: string, payload: Buffer): Buffer[] {
  return [peerId, EMPTY, VERSION_FRAME, REPLY_TYPE_FRAME, Buffer.from(messageId), payload];
}

/**
 * Encodes an ACK: the request `messageId` was accepted and will run (oslo message type 6).
 * Laid out like a reply with an empty payload, so a DEALER reads the same five frames
 * (oslo's direct-mode ACK sender was never implemented; its proxy-mode one,
 * AckSenderProxy in zmq_senders.py, carried a routing id the direct mode has no use for).
 */
export function encodeAck(peerId: Buffer, messageId: string): Buffer[] {
  return [peerId, EMPTY, VERSION_FRAME, ACK_TYPE_FRAME, Buffer.from(messageId), EMPTY];
}

/** The payload frame, or PayloadTooLarge. UTF-8 takes at least one byte per UTF-16 unit, so a long string fails before it is copied. */
function payloadBuffer(json: string, maxBytes: number, what: string): Buffer {
  if (json.length > maxBytes) throw new PayloadTooLarge(what, Buffer.byteLength(json), maxBytes);
  const buf = Buffer.from(json);
  if (buf.length > maxBytes) throw new PayloadTooLarge(what, buf.length, maxBytes);
  return buf;
}

/**
 * Byte equality for the short fixed frames: for 1–3 bytes a JavaScript loop takes about
 * 10 ns where Buffer.equals takes about 120 ns (Node 20, microbenchmark), twice a message.
 */
function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function fail<T>(reason: string): Decoded<T> {
  return { ok: false, reason };
}

function oversized<T>(id: Buffer, type: number, bytes: number, maxBytes: number): Decoded<T> {
  return {
    ok: false,
    reason: `payload of ${bytes} bytes exceeds ${maxBytes}`,
    oversized: { messageId: id.toString(), type, bytes },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseJson(buf: Buffer, maxBytes: number): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (buf.length > maxBytes) return { ok: false, reason: `payload of ${buf.length} bytes exceeds ${maxBytes}` };
  try {
    return { ok: true, value: JSON.parse(buf.toString("utf8")) };
  } catch {
    return { ok: false, reason: "payload is not valid JSON" };
  }
}

/** Parses a request as a ROUTER socket receives it. */
export function decodeRequest(
  frames: readonly Buffer[],
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Decoded<DecodedRequest> {
  if (frames.length !== 6) return fail(`expected 6 frames, got ${frames.length}`);
  const [peerId, empty, version, type, id, payload] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  if (empty.length !== 0) return fail("frame 1 is not the empty delimiter");
  if (!sameBytes(version, VERSION_FRAME))
    return fail(`unsupported message version ${JSON.stringify(version.toString())}`);
  const t = type.length === 1 ? type[0]! - 0x30 : 0; // exactly one ASCII digit, as encodeRequest writes it
  if (t !== 1 && t !== 2 && t !== 3 && t !== 4) return fail(`unknown request type ${JSON.stringify(type.toString())}`);
  if (id.length === 0 || id.length > 128) return fail("message id is empty or too long");
  if (payload.length > maxBytes) return oversized(id, t, payload.length, maxBytes);
  const parsed = parseJson(payload, maxBytes);
  if (!parsed.ok) return fail(parsed.reason);
  const p = parsed.value;
  if (!Array.isArray(p) || p.length !== 2) return fail("payload is not [context, message]");
  const [context, message] = p as [unknown, unknown];
  if (!isPlainObject(context)) return fail("context is not an object");
  const bad = t === MessageType.NOTIFY ? checkNotification(message) : checkRpcMessage(message);
  if (bad) return fail(bad);
  const meta = takeWireMeta(context);
  if (typeof meta === "string") return fail(meta);
  const messageId = id.toString();
  if (t === MessageType.NOTIFY) {
    const n = message as NotificationMessage;
    const { deadline, ack } = meta;
    return {
      ok: true,
      value: withTrace(
        { peerId, type: t, messageId, context, message: n, deadline, ack, requeues: meta.requeues ?? 0 },
        meta,
      ),
    };
  }
  const m = message as RpcMessage;
  if (m.args === undefined) m.args = {}; // the parsed object is this request's own: no copy
  return {
    ok: true,
    value: withTrace({ peerId, type: t, messageId, context, message: m, deadline: meta.deadline, ack: meta.ack }, meta),
  };
}

/** Adds the sender's trace context to a decoded request, when it sent one (spec/observability.md). */
function withTrace<R extends DecodedRequest>(r: R, meta: WireMeta): R {
  if (meta.traceparent === undefined) return r;
  r.traceparent = meta.traceparent;
  if (meta.tracestate !== undefined) r.tracestate = meta.tracestate;
  return r;
}

/**
 * Whether a message a DEALER received is typed as an ACK (its type frame is "6"): then
 * decodeAck reads it, else decodeReply. Looks at one frame only; the decoders check all.
 */
export function isAckFrames(frames: readonly Buffer[]): boolean {
  const type = frames[2];
  return type !== undefined && sameBytes(type, ACK_TYPE_FRAME);
}

/** Parses an ACK as a DEALER socket receives it: exactly `["", "1.0", "6", id, ""]`. */
export function decodeAck(frames: readonly Buffer[]): Decoded<DecodedAck> {
  if (frames.length !== 5) return fail(`expected 5 frames, got ${frames.length}`);
  const [empty, version, type, id, payload] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (empty.length !== 0) return fail("frame 0 is not the empty delimiter");
  if (!sameBytes(version, VERSION_FRAME))
    return fail(`unsupported message version ${JSON.stringify(version.toString())}`);
  if (!sameBytes(type, ACK_TYPE_FRAME)) return fail(`expected ack type 6, got ${JSON.stringify(type.toString())}`);
  if (id.length === 0 || id.length > 128) return fail("message id is empty or too long");
  if (payload.length !== 0) return fail("ack payload is not empty");
  return { ok: true, value: { messageId: id.toString() } };
}

/** Parses a reply as a DEALER socket receives it. */
export function decodeReply(frames: readonly Buffer[], maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): Decoded<DecodedReply> {
  if (frames.length !== 5) return fail(`expected 5 frames, got ${frames.length}`);
  const [empty, version, type, id, payload] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (empty.length !== 0) return fail("frame 0 is not the empty delimiter");
  if (!sameBytes(version, VERSION_FRAME))
    return fail(`unsupported message version ${JSON.stringify(version.toString())}`);
  if (!sameBytes(type, REPLY_TYPE_FRAME)) return fail(`expected reply type 5, got ${JSON.stringify(type.toString())}`);
  if (payload.length > maxBytes && id.length > 0 && id.length <= 128)
    return oversized(id, MessageType.REPLY, payload.length, maxBytes);
  const parsed = parseJson(payload, maxBytes);
  if (!parsed.ok) return fail(parsed.reason);
  const p = parsed.value;
  if (!Array.isArray(p) || p.length !== 2) return fail("payload is not [body, failure]");
  const [body, failure] = p as [unknown, unknown];
  if (failure !== null && typeof failure !== "string") return fail("failure is neither null nor a string");
  return { ok: true, value: { messageId: id.toString(), body, failure } };
}
