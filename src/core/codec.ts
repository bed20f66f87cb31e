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
import { RECORD_HEAD } from "./batch-frames.js";
import { type OutFrame, TEXT_PAYLOAD_MAX_BYTES, toBuffers } from "./out-frames.js";
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
 * What was wrong with rejected peer input, as a closed set a server counts by
 * (ListenerStats.malformedByKind; spec/codec.md, "Validation and malformed input"):
 * - frames: not the number of frames the message has;
 * - delimiter: the empty delimiter frame is not empty;
 * - version: the message version is not "1.0";
 * - type: an unknown request type, or a reply / ACK type that is not 5 / 6;
 * - id: the message id is empty or longer than 128 bytes;
 * - depth: the payload nests arrays and objects deeper than MAX_JSON_DEPTH (not parsed);
 * - json: the payload is not valid JSON;
 * - shape: the payload is not [context, message] / [body, failure], a failure is neither
 *   null nor a string, or an ACK's payload is not empty;
 * - context: the context is not an object, or its "_zmq" has the wrong shape;
 * - message: the RPC message or the notification has a field missing or of the wrong type.
 */
export type MalformedKind =
  | "frames"
  | "delimiter"
  | "version"
  | "type"
  | "id"
  | "depth"
  | "json"
  | "shape"
  | "context"
  | "message";

export const MALFORMED_KINDS: readonly MalformedKind[] = [
  "frames",
  "delimiter",
  "version",
  "type",
  "id",
  "depth",
  "json",
  "shape",
  "context",
  "message",
];

/** A counter per malformed kind, all zero (the server's and the client's stats). */
export function zeroMalformedCounts(): Record<MalformedKind, number> {
  const out = {} as Record<MalformedKind, number>;
  for (const k of MALFORMED_KINDS) out[k] = 0;
  return out;
}

/**
 * A decode result. A rejection says why twice: `kind` for counters, `reason` for people.
 * A frame set that is well formed but whose payload is over the size limit carries
 * `oversized` (its kind is "shape" but nobody counts it as malformed): the message id and
 * type were read (the payload was not), so the receiver can answer or fail that one
 * request instead of leaving it to time out.
 */
export type Decoded<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      kind: MalformedKind;
      reason: string;
      oversized?: { messageId: string; type: number; bytes: number };
    };

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
 * Deepest nesting of arrays and objects a peer's payload may have; the payload `[context,
 * message]` itself is level 1, so a request's arguments are at level 3. Deeper payloads are
 * rejected before JSON.parse (kind "depth"): V8 parses any depth without recursion, but
 * JSON.stringify, structuredClone and every recursive walk of the value overflow the stack
 * a few thousand levels down, Python's json (an oslo peer) stops near 1,000, and a deep
 * value costs about 30 bytes of heap and 0.4 µs of parsing per byte of payload. Found by
 * test/acceptance/fuzz-server.test.ts; spec/codec.md, "Payload JSON".
 */
export const MAX_JSON_DEPTH = 512;

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
  return toBuffers(encodeRequestFrames(type, messageId, context, message, maxBytes));
}

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
  // UTF-8 takes at least a byte per UTF-16 unit: a longer string need not be measured.
  const text =
    json.length <= TEXT_PAYLOAD_MAX_BYTES && Buffer.byteLength(json) <= Math.min(TEXT_PAYLOAD_MAX_BYTES, maxBytes);
  const payload = text ? json : payloadBuffer(json, maxBytes, "request");
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

/**
 * The payload frame, or PayloadTooLarge. UTF-8 takes at least one byte per UTF-16 unit, so
 * a long string fails before it is copied. A payload nested deeper than a peer accepts is
 * a TypeError here rather than a drop there (a call would time out).
 */
function payloadBuffer(json: string, maxBytes: number, what: string): Buffer {
  if (json.length > maxBytes) throw new PayloadTooLarge(what, Buffer.byteLength(json), maxBytes);
  const buf = Buffer.from(json);
  if (buf.length > maxBytes) throw new PayloadTooLarge(what, buf.length, maxBytes);
  if (nestsDeeperThan(buf, MAX_JSON_DEPTH))
    throw new TypeError(
      `the ${what} cannot be sent: it nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (MAX_JSON_DEPTH), which peers refuse`,
    );
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

function fail<T>(kind: MalformedKind, reason: string): Decoded<T> {
  return { ok: false, kind, reason };
}

function oversized<T>(messageId: string, type: number, bytes: number, maxBytes: number): Decoded<T> {
  return {
    ok: false,
    kind: "shape",
    reason: `payload of ${bytes} bytes exceeds ${maxBytes}`,
    oversized: { messageId, type, bytes },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Whether the JSON text in `buf` nests arrays and objects deeper than `max`, counting the
 * brackets outside strings; it need not be valid JSON. A text of at most 2 × max bytes is
 * not scanned: valid JSON that deep needs max + 1 opening and as many closing brackets,
 * and an invalid one fails JSON.parse anyway. About 1.3 ns a byte (Node 20), a fifth of
 * what JSON.parse takes, and nothing for the small payloads of most requests.
 */
export function nestsDeeperThan(buf: Buffer, max: number): boolean {
  if (buf.length <= 2 * max || fewerOpenersThan(buf, max + 1)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next byte is escaped (a quote or a backslash among them)
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Whether `buf` holds fewer than `n` bytes `[` and `{`, anywhere (in strings too): then no
 * nesting reaches depth `n`, and the byte loop above need not run. Found with
 * Buffer.indexOf (memchr in C++): a 64 KiB payload of text with a few brackets took
 * 250 µs of the loop per scan, four scans per call (both sides encode and decode), about
 * a sixth of a 64 KiB call's CPU (measured, Node 20); now a few µs.
 */
function fewerOpenersThan(buf: Buffer, n: number): boolean {
  let count = 0;
  for (const opener of [0x5b, 0x7b])
    for (let i = buf.indexOf(opener); i >= 0; i = buf.indexOf(opener, i + 1)) if (++count >= n) return false;
  return true;
}

/** JSON.parse of the UTF-8 text in `buf` from `start` to `end`, within the size and depth limits. */
function parseJson(
  buf: Buffer,
  maxBytes: number,
  start = 0,
  end = buf.length,
): { ok: true; value: unknown } | Decoded<never> {
  const bytes = end - start;
  if (bytes > maxBytes) return fail("shape", `payload of ${bytes} bytes exceeds ${maxBytes}`);
  // nestsDeeperThan returns at once for short text: a view is made only for a long one.
  if (bytes > 2 * MAX_JSON_DEPTH && nestsDeeperThan(buf.subarray(start, end), MAX_JSON_DEPTH))
    return fail("depth", `payload nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return { ok: true, value: JSON.parse(buf.toString("utf8", start, end)) };
  } catch {
    return fail("json", "payload is not valid JSON");
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
  const parsed = parseJson(payloads, maxBytes, payloadStart, payloadEnd);
  if (!parsed.ok) return parsed;
  const p = parsed.value;
  if (!Array.isArray(p) || p.length !== 2) return fail("shape", "payload is not [context, message]");
  const [context, message] = p as [unknown, unknown];
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

/** A short frame as a JSON string for a reason; at most 32 bytes of a long one (a peer chooses its length). */
function shown(frame: Buffer): string {
  const s = JSON.stringify(frame.subarray(0, 32).toString());
  return frame.length > 32 ? `${s}… (${frame.length} bytes)` : s;
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
  if (frames.length !== 5) return fail("frames", `expected 5 frames, got ${frames.length}`);
  const [empty, version, type, id, payload] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (empty.length !== 0) return fail("delimiter", "frame 0 is not the empty delimiter");
  if (!sameBytes(version, VERSION_FRAME)) return fail("version", `unsupported message version ${shown(version)}`);
  if (!sameBytes(type, ACK_TYPE_FRAME)) return fail("type", `expected ack type 6, got ${shown(type)}`);
  if (id.length === 0 || id.length > 128) return fail("id", "message id is empty or too long");
  if (payload.length !== 0) return fail("shape", "ack payload is not empty");
  return { ok: true, value: { messageId: id.toString() } };
}

/** Parses a reply as a DEALER socket receives it. */
export function decodeReply(frames: readonly Buffer[], maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): Decoded<DecodedReply> {
  if (frames.length !== 5) return fail("frames", `expected 5 frames, got ${frames.length}`);
  const [empty, version, type, id, payload] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (empty.length !== 0) return fail("delimiter", "frame 0 is not the empty delimiter");
  if (!sameBytes(version, VERSION_FRAME)) return fail("version", `unsupported message version ${shown(version)}`);
  if (!sameBytes(type, REPLY_TYPE_FRAME)) return fail("type", `expected reply type 5, got ${shown(type)}`);
  if (payload.length > maxBytes && id.length > 0 && id.length <= 128)
    return oversized(id.toString(), MessageType.REPLY, payload.length, maxBytes);
  const parsed = parseJson(payload, maxBytes);
  if (!parsed.ok) return parsed;
  const p = parsed.value;
  if (!Array.isArray(p) || p.length !== 2) return fail("shape", "payload is not [body, failure]");
  const [body, failure] = p as [unknown, unknown];
  if (failure !== null && typeof failure !== "string") return fail("shape", "failure is neither null nor a string");
  return { ok: true, value: { messageId: id.toString(), body, failure } };
}
