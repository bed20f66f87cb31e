/**
 * The codec against the spec's own reading of peer input (test/support/frame-oracle.ts),
 * on the hostile frames the live fuzz tests send (test/support/hostile-frames.ts,
 * hostile-replies.ts): every request and reply decodes to what the spec says, or is
 * rejected with the kind of fault the spec names first, and nothing throws.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeAck, decodeReply, decodeRequest, isAckFrames, MAX_JSON_DEPTH } from "../../src/internal.js";
import { judgeReply, judgeRequest } from "../support/frame-oracle.js";
import { hostileRequest, type FuzzLimits } from "../support/hostile-frames.js";
import { hostileAnswer } from "../support/hostile-replies.js";

const LIMITS: FuzzLimits = { maxPayloadBytes: 1 << 20, maxDepth: MAX_JSON_DEPTH };
const PEER = Buffer.from("peer");

test("hostile frames - decodeRequest agrees with the spec's verdict on every generated request", () => {
  fc.assert(
    fc.property(hostileRequest(LIMITS), (m) => {
      const frames = [PEER, ...m.frames];
      const want = judgeRequest(frames, LIMITS.maxPayloadBytes, LIMITS.maxDepth);
      const got = decodeRequest(frames, LIMITS.maxPayloadBytes);
      if (want.verdict === "request") {
        assert.ok(got.ok, `${m.category}: rejected (${!got.ok ? got.reason : ""}), the spec accepts it`);
        assert.equal(got.value.type, want.type);
        assert.equal(got.value.messageId, want.id);
        assert.deepEqual(got.value.context, want.context);
        assert.deepEqual(got.value.message, want.message);
        assert.equal(got.value.deadline, want.deadline);
        assert.equal(got.value.ack, want.ack);
      } else if (want.verdict === "oversized") {
        assert.ok(!got.ok && got.oversized !== undefined, `${m.category}: not refused as oversized`);
        assert.equal(got.oversized.messageId, want.id);
      } else {
        assert.ok(
          !got.ok && got.oversized === undefined,
          `${m.category}: accepted, the spec rejects it (${want.kind})`,
        );
        const kinds = want.kind === "depth|json" ? ["depth", "json"] : [want.kind];
        assert.ok(
          kinds.includes(got.kind),
          `${m.category}: kind ${got.kind} (${got.reason}), the spec says ${want.kind}`,
        );
      }
    }),
    { numRuns: 3000 },
  );
});

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
