/**
 * The codec against the spec's own reading of peer input (test/support/frame-oracle.ts),
 * on the hostile frames the live fuzz tests send (test/support/hostile-frames.ts,
 * hostile-replies.ts): every request and reply decodes to what the spec says, or is
 * rejected with the kind of fault the spec names first, and nothing throws.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  decodeAck,
  decodeReply,
  decodeRequest,
  isAckFrames,
  isBatch,
  MAX_JSON_DEPTH,
  decodeBatchedAck,
  decodeBatchedReply,
  decodeBatchedRequest,
  isAckRecord,
  joinBatch,
  type DecodedAck,
  type DecodedReply,
  readBatch,
  splitBatch,
  type Decoded,
  type DecodedRequest,
} from "../../src/internal.js";
import { judgeAtServer, judgeReply, judgeRequest, type RequestVerdict } from "../support/frame-oracle.js";
import { hostileRequest, type FuzzLimits } from "../support/hostile-frames.js";
import { hostileAnswer } from "../support/hostile-replies.js";

const LIMITS: FuzzLimits = { maxPayloadBytes: 1 << 20, maxDepth: MAX_JSON_DEPTH };
const PEER = Buffer.from("peer");

/** The server's reading of one ZeroMQ message as rpc-listener.ts does it: a batch read record by record, each decoded. */
function serverReads(frames: Buffer[]): Decoded<DecodedRequest>[] {
  if (!isBatch(frames, 1)) return [decodeRequest(frames, LIMITS.maxPayloadBytes)];
  const out: Decoded<DecodedRequest>[] = [];
  const refused = readBatch(frames, 1, (records, at, idEnd, end) =>
    out.push(decodeBatchedRequest(frames[0]!, records, at, idEnd, end, LIMITS.maxPayloadBytes)),
  );
  return refused === undefined ? out : [{ ok: false, kind: refused.kind, reason: refused.reason }];
}

/** The same batch split into 1.0 messages (views), each decoded as if it had come alone. */
function splitReads(frames: Buffer[]): Decoded<DecodedRequest>[] {
  if (!isBatch(frames, 1)) return [decodeRequest(frames, LIMITS.maxPayloadBytes)];
  const split = splitBatch(frames, 1);
  return split.ok
    ? split.messages.map((m) => decodeRequest(m, LIMITS.maxPayloadBytes))
    : [{ ok: false, kind: split.kind, reason: split.reason }];
}

test("hostile frames - decodeRequest agrees with the spec's verdict on every generated request", () => {
  fc.assert(
    fc.property(hostileRequest(LIMITS), (m) => {
      const frames = [PEER, ...m.frames];
      agree(
        m.category,
        judgeRequest(frames, LIMITS.maxPayloadBytes, LIMITS.maxDepth),
        decodeRequest(frames, LIMITS.maxPayloadBytes),
      );
    }),
    { numRuns: 3000 },
  );
});

test("hostile frames - a server's reading (batches split, each message decoded) agrees with the spec's verdicts, message by message", () => {
  fc.assert(
    fc.property(hostileRequest(LIMITS), (m) => {
      const frames = [PEER, ...m.frames];
      const want = judgeAtServer(frames, LIMITS.maxPayloadBytes, LIMITS.maxDepth);
      const got = serverReads(frames);
      assert.equal(got.length, want.length, `${m.category}: ${got.length} messages read, the spec says ${want.length}`);
      for (const [i, w] of want.entries()) agree(m.category, w, got[i]!);
    }),
    { numRuns: 3000 },
  );
});

test("hostile frames - a batched request decoded from its record reads exactly as the same message sent alone", () => {
  fc.assert(
    fc.property(hostileRequest(LIMITS), (m) => {
      const frames = [PEER, ...m.frames];
      assert.deepEqual(serverReads(frames), splitReads(frames), m.category);
    }),
    { numRuns: 3000 },
  );
});

/** `got` is what the spec's verdict `want` says, for a message of `category`. */
function agree(category: string, want: RequestVerdict, got: Decoded<DecodedRequest>): void {
  if (want.verdict === "request") {
    assert.ok(got.ok, `${category}: rejected (${!got.ok ? got.reason : ""}), the spec accepts it`);
    assert.equal(got.value.type, want.type);
    assert.equal(got.value.messageId, want.id);
    assert.deepEqual(got.value.context, want.context);
    assert.deepEqual(got.value.message, want.message);
    assert.equal(got.value.deadline, want.deadline);
    assert.equal(got.value.ack, want.ack);
  } else if (want.verdict === "oversized") {
    assert.ok(!got.ok && got.oversized !== undefined, `${category}: not refused as oversized`);
    assert.equal(got.oversized.messageId, want.id);
  } else {
    assert.ok(!got.ok && got.oversized === undefined, `${category}: accepted, the spec rejects it (${want.kind})`);
    const kinds = want.kind === "depth|json" ? ["depth", "json"] : [want.kind];
    assert.ok(kinds.includes(got.kind), `${category}: kind ${got.kind} (${got.reason}), the spec says ${want.kind}`);
  }
}

test("hostile frames - decodeReply and decodeAck agree with the spec's verdict on every generated answer", () => {
  const limits = { maxPayloadBytes: 4096, maxDepth: MAX_JSON_DEPTH };
  fc.assert(
    fc.property(hostileAnswer(limits), fc.uint8Array({ minLength: 0, maxLength: 130 }), (a, idBytes) => {
      const frames = a.frames(Buffer.from(idBytes));
      const want = judgeReply(frames, limits.maxPayloadBytes, limits.maxDepth);
      // The client's dispatch (ClientEngine.onFrames): the type frame "6" goes to decodeAck.
      const isAck = isAckFrames(frames);
      const ack = isAck ? decodeAck(frames) : undefined;
      const reply = isAck ? undefined : decodeReply(frames, limits.maxPayloadBytes);
      const got = (ack ?? reply)!;
      if (want.verdict === "ack") {
        assert.ok(ack?.ok, `${a.category}: not an ACK`);
        assert.equal(ack.value.messageId, want.id);
      } else if (want.verdict === "reply") {
        assert.ok(reply?.ok, `${a.category}: ${!got.ok ? got.reason : "an ACK"}`);
        assert.equal(reply.value.messageId, want.id);
        assert.deepEqual(reply.value.body, want.body);
        assert.equal(reply.value.failure, want.failure);
      } else if (want.verdict === "oversized") {
        assert.ok(!got.ok && got.oversized?.messageId === want.id, `${a.category}: not refused as oversized`);
      } else {
        assert.ok(!got.ok && got.oversized === undefined, `${a.category}: accepted, the spec says ${want.kind}`);
        const kinds = want.kind === "depth|json" ? ["depth", "json"] : [want.kind];
        assert.ok(
          kinds.includes(got.kind),
          `${a.category}: kind ${got.kind} (${got.reason}), the spec says ${want.kind}`,
        );
      }
    }),
    { numRuns: 3000 },
  );
});

/** A DEALER's reading of each answer of a batch as ClientEngine.onFrames does it: records decoded in place. */
function clientReadsInPlace(batch: Buffer[], maxBytes: number): (Decoded<DecodedAck> | Decoded<DecodedReply>)[] {
  const out: (Decoded<DecodedAck> | Decoded<DecodedReply>)[] = [];
  const refused = readBatch(batch, 0, (records, at, idEnd, end) =>
    out.push(
      isAckRecord(records, at)
        ? decodeBatchedAck(records, at, idEnd, end)
        : decodeBatchedReply(records, at, idEnd, end, maxBytes),
    ),
  );
  assert.equal(refused, undefined);
  return out;
}

test("hostile frames - a batched reply or ACK decoded from its record reads exactly as the same answer sent alone", () => {
  const limits = { maxPayloadBytes: 4096, maxDepth: MAX_JSON_DEPTH };
  const answer = fc.tuple(hostileAnswer(limits), fc.uint8Array({ minLength: 0, maxLength: 130 }));
  fc.assert(
    fc.property(fc.array(answer, { minLength: 1, maxLength: 6 }), (answers) => {
      // Answers a batch can carry: five frames with a one-byte type (a record has no room for more).
      const messages = answers
        .map(([a, id]) => a.frames(Buffer.from(id)))
        .filter((f) => f.length === 5 && f[2]!.length === 1);
      fc.pre(messages.length > 0);
      const batch = joinBatch(messages, 0);
      const split = splitBatch(batch, 0);
      assert.ok(split.ok);
      const alone = split.messages.map((m) => (isAckFrames(m) ? decodeAck(m) : decodeReply(m, limits.maxPayloadBytes)));
      assert.deepEqual(clientReadsInPlace(batch, limits.maxPayloadBytes), alone);
    }),
    { numRuns: 2000 },
  );
});
