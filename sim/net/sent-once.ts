/**
 * Which written messages the duplicate fault may copy (link-faults.ts). That fault stands
 * for a client sending the same frames again (a request whose reply or ACK it did not
 * get), which TCP never does on its own. A request whose "_zmq".once is true comes from a
 * client that has said it never sends that id again (spec/server.md, "Deduplication"): the
 * server does not remember it, so copying it would model a client this driver is not.
 * Such a message, or a batch envelope holding one, is never copied; replies, ACKs and
 * requests without the flag (acks on, proxy routing, idempotent calls) still are.
 */
import { isBatch, splitBatch } from "../../src/core/batch-frames.js";
import { decodeRequest } from "../../src/core/codec.js";
import { wireType } from "./message-faults.js";

const NO_PEER = Buffer.alloc(0);

/** Whether `frames`, as a DEALER writes them, hold a request its sender marked as sent once. */
export function sentOnce(frames: readonly Buffer[]): boolean {
  if (isBatch(frames, 0)) {
    const split = splitBatch(frames, 0);
    return split.ok && split.messages.some(requestSentOnce);
  }
  return requestSentOnce(frames);
}

function requestSentOnce(frames: readonly Buffer[]): boolean {
  const t = wireType(frames);
  if (t < 1 || t > 4) return false; // a reply or ACK
  const r = decodeRequest([NO_PEER, ...frames]);
  return r.ok && r.value.once;
}
