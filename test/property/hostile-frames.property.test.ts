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
import { judgeRequest } from "../support/frame-oracle.js";
import { hostileRequest, type FuzzLimits } from "../support/hostile-frames.js";

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
