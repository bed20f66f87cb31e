/**
 * The answer side of the codec: replies and ACKs, which a server's ROUTER sends and a
 * client's DEALER reads (frame layout in codec.ts, which re-exports this module; spec/codec.md,
 * "Reply frames" and "ACK frames"). Decoders never throw; encoders throw on our own bad input.
 */
import { RECORD_HEAD } from "./batch-frames.js";
import { explainUnserializable, unserializableError } from "./json-check.js";
import { asBuffers, type OutFrame } from "./out-frames.js";
import { parsePair, payloadFrame } from "./payload-json.js";
import {
  ACK_TYPE_FRAME,
  type Decoded,
  DEFAULT_MAX_PAYLOAD_BYTES,
  EMPTY,
  fail,
  MessageType,
  oversized,
  REPLY_TYPE_FRAME,
  sameBytes,
  shown,
  VERSION_FRAME,
} from "./wire-frames.js";
import type { DecodedAck, DecodedReply } from "./wire-messages.js";

/**
 * Encodes a reply. Throws like encodeRequest (naming `result`, the endpoint's return
 * value): the server turns either error into a failure reply.
 */
export const encodeReply = asBuffers(encodeReplyFrames);

/**
 * encodeReply for a send queue: the same frames, checked the same way, with the message id,
 * and a payload of at most TEXT_PAYLOAD_MAX_BYTES, kept as text (out-frames.ts).
 */
export function encodeReplyFrames(
  peerId: Buffer,
  messageId: string,
  body: unknown,
  failure: string | null,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): OutFrame[] {
  let json: string;
  try {
    json = JSON.stringify([body === undefined ? null : body, failure]);
  } catch (err) {
    throw unserializableError(err, "the reply", explainUnserializable("result", body));
  }
  return [peerId, EMPTY, VERSION_FRAME, REPLY_TYPE_FRAME, messageId, payloadFrame(json, maxBytes, "reply")];
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
  return ackOf(id, 0, id.length, payload.length);
}

/** Parses a reply as a DEALER socket receives it. */
export function decodeReply(frames: readonly Buffer[], maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): Decoded<DecodedReply> {
  if (frames.length !== 5) return fail("frames", `expected 5 frames, got ${frames.length}`);
  const [empty, version, type, id, payload] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (empty.length !== 0) return fail("delimiter", "frame 0 is not the empty delimiter");
  if (!sameBytes(version, VERSION_FRAME)) return fail("version", `unsupported message version ${shown(version)}`);
  if (!sameBytes(type, REPLY_TYPE_FRAME)) return fail("type", `expected reply type 5, got ${shown(type)}`);
  return replyOf(id, 0, id.length, payload, 0, payload.length, maxBytes);
}

/** Whether the record at `at` of a batch a DEALER received is typed as an ACK ("6"): decodeBatchedAck reads it, else decodeBatchedReply. */
export function isAckRecord(records: Buffer, at: number): boolean {
  return records[at] === ACK_TYPE_FRAME[0];
}

/** decodeAck for one record of a batch, where readBatch found it (core/batch-frames.ts): the id read in place. */
export function decodeBatchedAck(records: Buffer, at: number, idEnd: number, end: number): Decoded<DecodedAck> {
  return ackOf(records, at + RECORD_HEAD, idEnd, end - idEnd);
}

/**
 * decodeReply for one record of a batch: type `records[at]`, id to `idEnd`, payload to
 * `end`, read in place (no view per message, like decodeBatchedRequest in codec.ts).
 */
export function decodeBatchedReply(
  records: Buffer,
  at: number,
  idEnd: number,
  end: number,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Decoded<DecodedReply> {
  if (records[at] !== REPLY_TYPE_FRAME[0])
    return fail("type", `expected reply type 5, got ${shown(records.subarray(at, at + 1))}`);
  return replyOf(records, at + RECORD_HEAD, idEnd, records, idEnd, end, maxBytes);
}

/** An ACK's checks after its envelope: an id of 1 to 128 bytes in `ids`, an empty payload. */
function ackOf(ids: Buffer, idStart: number, idEnd: number, payloadBytes: number): Decoded<DecodedAck> {
  if (idEnd === idStart || idEnd - idStart > 128) return fail("id", "message id is empty or too long");
  if (payloadBytes !== 0) return fail("shape", "ack payload is not empty");
  return { ok: true, value: { messageId: ids.toString("utf8", idStart, idEnd) } };
}

/** A reply's checks after its envelope: the id in `ids` and the payload in `payloads`, each by range. */
function replyOf(
  ids: Buffer,
  idStart: number,
  idEnd: number,
  payloads: Buffer,
  payloadStart: number,
  payloadEnd: number,
  maxBytes: number,
): Decoded<DecodedReply> {
  const bytes = payloadEnd - payloadStart;
  const idBytes = idEnd - idStart;
  if (bytes > maxBytes && idBytes > 0 && idBytes <= 128)
    return oversized(ids.toString("utf8", idStart, idEnd), MessageType.REPLY, bytes, maxBytes);
  const pair = parsePair(payloads, maxBytes, payloadStart, payloadEnd, "[body, failure]");
  if (!pair.ok) return pair;
  const [body, failure] = pair.value;
  if (failure !== null && typeof failure !== "string") return fail("shape", "failure is neither null nor a string");
  return { ok: true, value: { messageId: ids.toString("utf8", idStart, idEnd), body, failure } };
}
