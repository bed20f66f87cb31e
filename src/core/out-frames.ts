/**
 * Frames on their way out, before the socket (spec/codec.md, "Payloads as text"): each a
 * Buffer, except that the message id of a request or a reply, and its short JSON payload,
 * may still be strings (the id as it was made, the payload as JSON.stringify made it). A
 * send queue that joins the message into a batch writes the text straight into the batch
 * (batch-frames.ts, joinBatch); one that sends it alone hands the text to the socket,
 * whose port sends a text frame as its UTF-8 bytes (ports/socket.ts, SendFrame): zeromq.js
 * encodes it natively, the simulator's and proxy mode's sockets with toBuffers.
 *
 * Why: a cast's payload was encoded to a Buffer of its own (Buffer.from: a slice of
 * Node's 8 KiB pool, a new pool every forty-odd messages) and then copied into the batch.
 * Writing the text into the batch once takes about 120 ns a message where the Buffer and
 * its copy took 230 to 290 ns (Node 20, microbenchmark of 64 payloads of 170 bytes), and
 * it leaves two objects less per cast to the scavenger (issue 14). The id likewise: its
 * Buffer.from cost about 100 ns and 137 bytes of heap a cast.
 *
 * Only payloads the depth scan skips are kept as text (at most TEXT_PAYLOAD_MAX_BYTES in
 * UTF-8): a longer one is scanned as bytes (codec.ts, nestsDeeperThan) and sent as the
 * Buffer made for it.
 */

/** A frame to send: bytes, or a payload's JSON text not yet encoded to UTF-8. */
export type OutFrame = Buffer | string;

/**
 * The longest payload, in UTF-8 bytes, kept as text: twice MAX_JSON_DEPTH (codec.ts),
 * below which no payload can nest too deep, so it need not be scanned as bytes.
 */
export const TEXT_PAYLOAD_MAX_BYTES = 1024;

/** The bytes `frame` takes on the wire. */
export function frameBytes(frame: OutFrame): number {
  return typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
}

/** Writes `frame` into `into` at `at`; returns the bytes written. */
export function writeFrame(frame: OutFrame, into: Buffer, at: number): number {
  return typeof frame === "string" ? into.write(frame, at) : frame.copy(into, at);
}

/** `frames` as a socket takes them: each text frame encoded to UTF-8 (the array itself when it has none). */
export function toBuffers(frames: readonly OutFrame[]): Buffer[] {
  if (!frames.some((f) => typeof f === "string")) return frames as Buffer[];
  const out = new Array<Buffer>(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    out[i] = typeof f === "string" ? Buffer.from(f) : f;
  }
  return out;
}

/**
 * The Buffer form of an encoder that keeps text frames (encodeRequest from
 * encodeRequestFrames, encodeReply from encodeReplyFrames): the same arguments and checks,
 * each frame a Buffer. For callers that want the frames as a socket takes them (tests,
 * tools, a failure reply built at once).
 */
export function asBuffers<A extends unknown[]>(encode: (...args: A) => OutFrame[]): (...args: A) => Buffer[] {
  return (...args) => toBuffers(encode(...args));
}
