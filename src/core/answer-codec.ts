/**
 * The answer side of the codec: replies and ACKs, which a server's ROUTER sends and a
 * client's DEALER reads (frame layout in codec.ts, which re-exports this module; spec/codec.md,
 * "Reply frames" and "ACK frames"). Decoders never throw; encoders throw on our own bad input.
 */
import { explainUnserializable, unserializableError } from "./json-check.js";
import { parseJson, payloadBuffer } from "./payload-json.js";
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
