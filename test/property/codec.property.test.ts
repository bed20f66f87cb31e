/**
 * Properties of the wire codec: what we encode, we decode to the same values; and no
 * byte sequence from a peer makes the decoder throw.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  decodeReply,
  decodeRequest,
  encodeReply,
  encodeRequest,
  type RpcRequestType,
  withWireMeta,
} from "../../src/internal.js";

const json = fc.jsonValue();
const obj = fc.dictionary(fc.string(), json);
/** A caller's context: any JSON object without the driver's reserved key. */
const ctxArb = obj.filter((c) => !Object.hasOwn(c, "_zmq"));

test("codec property - encodeRequest then decodeRequest returns the same type, id, context and message", () => {
  fc.assert(
    fc.property(
      fc.constantFrom<RpcRequestType>(1, 2, 3),
      fc.string({ minLength: 1, maxLength: 64 }),
      ctxArb,
      fc.string({ minLength: 1 }),
      obj,
      fc.option(fc.string(), { nil: undefined }),
      (type, id, ctx, method, args, namespace) => {
        const message = { method, args, ...(namespace !== undefined ? { namespace } : {}) };
        const r = decodeRequest([Buffer.from("peer"), ...encodeRequest(type, id, ctx, message)]);
        assert.ok(r.ok, !r.ok ? r.reason : "");
        assert.equal(r.value.type, type);
        assert.equal(r.value.messageId, id);
        assert.deepEqual(r.value.context, JSON.parse(JSON.stringify(ctx)));
        assert.deepEqual(r.value.message, JSON.parse(JSON.stringify(message)));
      },
    ),
  );
});

test("codec property - a context with _zmq added decodes to the same context, deadline and ack flag", () => {
  fc.assert(
    fc.property(
      ctxArb,
      fc.option(fc.integer({ min: 0, max: 2 ** 52 }), { nil: undefined }),
      fc.boolean(),
      (ctx, deadline, ack) => {
        const frames = encodeRequest(1, "id", withWireMeta(ctx, deadline, ack), { method: "m", args: {} });
        const r = decodeRequest([Buffer.from("peer"), ...frames]);
        assert.ok(r.ok, !r.ok ? r.reason : "");
        assert.deepEqual(r.value.context, JSON.parse(JSON.stringify(ctx)));
        assert.equal(r.value.deadline, deadline);
        assert.equal(r.value.ack, ack);
      },
    ),
  );
});

test("codec property - encodeReply then decodeReply returns the same id, body and failure", () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 64 }),
      json,
      fc.option(fc.string(), { nil: null }),
      (id, body, failure) => {
        const frames = encodeReply(Buffer.from("peer"), id, body, failure).slice(1);
        const r = decodeReply(frames);
        assert.ok(r.ok);
        assert.equal(r.value.messageId, id);
        assert.deepEqual(r.value.body, JSON.parse(JSON.stringify(body ?? null)));
        assert.equal(r.value.failure, failure);
      },
    ),
  );
});

test("codec property - arbitrary frames never make the decoders throw", () => {
  const frame = fc.oneof(
    fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
    fc.constantFrom("", "1.0", "1", "5", '[{},{"method":"m"}]', "[1,null]").map((s) => Buffer.from(s)),
  );
  fc.assert(
    fc.property(fc.array(frame, { maxLength: 8 }), (frames) => {
      const a = decodeRequest(frames);
      const b = decodeReply(frames);
      assert.equal(typeof a.ok, "boolean");
      assert.equal(typeof b.ok, "boolean");
    }),
    { numRuns: 2000 },
  );
});
