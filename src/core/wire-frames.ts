/**
 * What the codec's request side (codec.ts) and answer side (answer-codec.ts) share: the
 * message version and types, the fixed frames, the closed set of reasons peer input is
 * rejected for, the tagged decode result and its small helpers. codec.ts describes the
 * frame layout; it re-exports all of this.
 */

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

export const EMPTY = Buffer.alloc(0);
export const VERSION_FRAME = Buffer.from(MESSAGE_VERSION);
export const REPLY_TYPE_FRAME = Buffer.from(String(MessageType.REPLY));
export const ACK_TYPE_FRAME = Buffer.from(String(MessageType.ACK));
export const TYPE_FRAMES: Record<RequestType, Buffer> = {
  1: Buffer.from("1"),
  2: Buffer.from("2"),
  3: Buffer.from("3"),
  4: Buffer.from("4"),
};

/** Upper bound on a payload we accept from a peer. @default 64 MiB */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/**
 * Byte equality for the short fixed frames: for 1–3 bytes a JavaScript loop takes about
 * 10 ns where Buffer.equals takes about 120 ns (Node 20, microbenchmark), twice a message.
 */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A rejection of `kind`, with its reason for people. */
export function fail<T>(kind: MalformedKind, reason: string): Decoded<T> {
  return { ok: false, kind, reason };
}

/** A well-formed message whose payload is over `maxBytes`: not read, but its id and type are known. */
export function oversized<T>(messageId: string, type: number, bytes: number, maxBytes: number): Decoded<T> {
  return {
    ok: false,
    kind: "shape",
    reason: `payload of ${bytes} bytes exceeds ${maxBytes}`,
    oversized: { messageId, type, bytes },
  };
}

/** An object that is neither null nor an array (a JSON object, once parsed). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short frame as a JSON string for a reason; at most 32 bytes of a long one (a peer chooses its length). */
export function shown(frame: Buffer): string {
  const s = JSON.stringify(frame.subarray(0, 32).toString());
  return frame.length > 32 ? `${s}… (${frame.length} bytes)` : s;
}
