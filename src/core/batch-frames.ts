/**
 * Batch envelopes (wire version 2, decision 0027; spec/codec.md, "Batches"): several
 * messages of the version 1.0 layout carried by one ZeroMQ message, so that a socket whose
 * send queue holds several messages hands them to libzmq in one send, and the peer reads
 * them with one receive.
 *
 *   one message, DEALER -> ROUTER   ["", "1.0", type, id, payload]
 *   a batch,     DEALER -> ROUTER   ["", "2.0", records]
 *   a batch as the ROUTER reads it  [peerId, "", "2.0", records]
 *   replies and ACKs, ROUTER -> DEALER: the same, with types 5 and 6 mixed in one batch.
 *
 * records: for each message, in order, its type as one ASCII digit, the length of its id
 * (one byte), the length of its payload (4 bytes, big-endian), the id, the payload.
 *
 * One frame for the whole batch, not three per message: zeromq.js makes a Buffer with a
 * native finalizer for every frame it receives and a message part for every frame it
 * sends, and copying a few hundred small payloads into one buffer costs far less
 * (measured: at 64 calls in flight, 28,000 calls/s with three frames per message, N with
 * one frame per batch; see spec/codec.md, "Batches").
 *
 * A message keeps its own type, id and payload. Reading a batch (readBatch) gives each
 * message's place in the records, which the server and the client decode in place
 * (codec.ts decodeBatchedRequest, answer-codec.ts decodeBatchedReply and decodeBatchedAck);
 * splitting it (splitBatch: the simulator, tests) gives back each message in the 1.0
 * layout (views into the batch, not copies) for the 1.0 decoders. Either way the codec
 * checks each message as if it had come alone (peer input is validated in one place).
 * Only the envelope is checked here: frame count, delimiter, record lengths, and at most
 * MAX_BATCH_MESSAGES messages.
 *
 * A peer that reads only 1.0 (oslo's Python driver, this driver before batches) refuses a
 * batch as an unsupported version, never misreads it; senders batch only to hosts whose
 * matchmaker entry says they read wire version 2 (core/host-entry.ts), and a server
 * batches replies only to a peer whose requests came in a batch.
 */
import type { MalformedKind } from "./codec.js";
import { frameBytes, type OutFrame, writeFrame } from "./out-frames.js";

/** The version frame of a batch envelope. */
export const BATCH_VERSION = "2.0";
/** The highest wire version this driver reads; servers publish it in their entries. */
export const WIRE_VERSION = 2;
/** The most messages a batch may carry: a peer's longer batch is refused whole. */
export const MAX_BATCH_MESSAGES = 4096;

const EMPTY = Buffer.alloc(0);
const V1 = Buffer.from("1.0");
const V2 = Buffer.from(BATCH_VERSION);

/** `head`: the routing frames before the delimiter: 1 (the peer id) as a ROUTER reads, 0 as a DEALER does. */
export type Head = 0 | 1;

/** Whether `frames` is a batch envelope (its version frame is "2.0"); the split checks the rest. */
export function isBatch(frames: readonly Buffer[], head: Head): boolean {
  const v = frames[head + 1];
  return v !== undefined && v.length === 3 && v[0] === 0x32 && v[1] === 0x2e && v[2] === 0x30;
}

/** The bytes of one record before its id: type, id length, payload length. */
export const RECORD_HEAD = 6;

/**
 * One batch of `messages`, each in the 1.0 layout with the same `head` (a ROUTER's batch
 * goes to one peer: the caller joins only messages for the same peer, see sameHead).
 * Message ids are at most 128 bytes (the codec's limit) and types one ASCII digit. A
 * message id or payload still in text (out-frames.ts) is written into the batch as UTF-8 here.
 * `bytes`: the sum of the messages' batchBytes, when the caller has counted it.
 */
export function joinBatch(messages: readonly (readonly OutFrame[])[], head: Head, bytes?: number): Buffer[] {
  let size = bytes ?? 0;
  if (bytes === undefined) for (const m of messages) size += batchBytes(m, head);
  const records = Buffer.allocUnsafe(size);
  let at = 0;
  for (const m of messages) {
    records[at] = (m[head + 2] as Buffer)[0]!;
    const idBytes = writeFrame(m[head + 3]!, records, at + RECORD_HEAD);
    records[at + 1] = idBytes;
    const written = writeFrame(m[head + 4]!, records, at + RECORD_HEAD + idBytes);
    records.writeUInt32BE(written, at + 2);
    at += RECORD_HEAD + idBytes + written;
  }
  return head === 1 ? [messages[0]![0] as Buffer, EMPTY, V2, records] : [EMPTY, V2, records];
}

/** Whether two 1.0 messages go to the same peer (always, as a DEALER sends: it has one). */
export function sameHead(a: readonly OutFrame[], b: readonly OutFrame[], head: Head): boolean {
  return head === 0 || a[0] === b[0] || (a[0] as Buffer).equals(b[0] as Buffer);
}

/** Why a batch envelope was refused whole. */
export interface BatchRefusal {
  kind: Extract<MalformedKind, "frames" | "delimiter" | "shape">;
  reason: string;
}

/** The split: each message in the 1.0 layout, or why the envelope was refused. */
export type SplitBatch = { ok: true; messages: Buffer[][] } | ({ ok: false } & BatchRefusal);

/**
 * Where one message lies in a batch's records frame: its type is the byte `records[at]`,
 * its id the bytes from `at + RECORD_HEAD` to `idEnd`, its payload from `idEnd` to `end`.
 */
export type RecordVisitor = (records: Buffer, at: number, idEnd: number, end: number) => void;

/**
 * Checks a batch envelope (isBatch said so) and hands each of its messages to `visit` as
 * offsets into the records frame, in order: no view or copy per message. Every message is
 * visited or none: the envelope is checked whole first (frame count, delimiter, record
 * lengths, at most MAX_BATCH_MESSAGES), and a refused one visits none. Returns the refusal,
 * or undefined.
 *
 * Offsets, not views: a server decoding a batch of casts made three Buffer views and a
 * frame array per message (splitBatch below), then decoded each view to a string; reading
 * the strings straight from the records (Buffer.toString with a range) saves about 0.3 µs
 * a message (Node 20, microbenchmark; issue 14).
 */
export function readBatch(frames: readonly Buffer[], head: Head, visit: RecordVisitor): BatchRefusal | undefined {
  if (frames.length !== head + 3)
    return { kind: "frames", reason: `expected ${head + 3} frames in a batch, got ${frames.length}` };
  if (frames[head]!.length !== 0)
    return { kind: "delimiter", reason: `frame ${head} of a batch is not the empty delimiter` };
  const records = frames[head + 2]!;
  let count = 0;
  for (let at = 0; at < records.length; count++) {
    if (count === MAX_BATCH_MESSAGES)
      return { kind: "frames", reason: `a batch of more than ${MAX_BATCH_MESSAGES} messages` };
    if (at + RECORD_HEAD > records.length) return cut(count);
    const end = at + RECORD_HEAD + records[at + 1]! + records.readUInt32BE(at + 2);
    if (end > records.length) return cut(count);
    at = end;
  }
  if (count === 0) return { kind: "shape", reason: "an empty batch" };
  for (let at = 0; at < records.length; ) {
    const idEnd = at + RECORD_HEAD + records[at + 1]!;
    const end = idEnd + records.readUInt32BE(at + 2);
    visit(records, at, idEnd, end);
    at = end;
  }
  return undefined;
}

/** Splits a batch envelope (isBatch said so) into its messages, each in the 1.0 layout (views into the batch). */
export function splitBatch(frames: readonly Buffer[], head: Head): SplitBatch {
  const messages: Buffer[][] = [];
  const refused = readBatch(frames, head, (records, at, idEnd, end) => {
    const type = records.subarray(at, at + 1);
    const id = records.subarray(at + RECORD_HEAD, idEnd);
    const payload = records.subarray(idEnd, end);
    messages.push(head === 1 ? [frames[0]!, EMPTY, V1, type, id, payload] : [EMPTY, V1, type, id, payload]);
  });
  return refused === undefined ? { ok: true, messages } : { ok: false, ...refused };
}

function cut(index: number): BatchRefusal {
  return { kind: "shape", reason: `batch record ${index} runs past the end of the batch` };
}

/** The bytes a message adds to a batch. */
export function batchBytes(frames: readonly OutFrame[], head: Head): number {
  return RECORD_HEAD + frameBytes(frames[head + 3]!) + frameBytes(frames[head + 4]!);
}
