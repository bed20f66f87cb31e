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
  encodeNotificationPayload,
  encodeReply,
  encodeReplyFrames,
  encodeRequest,
  encodeRequestFrames,
  MessageType,
  TEXT_PAYLOAD_MAX_BYTES,
  toBuffers,
  notificationFrames,
  type RpcRequestType,
  withWireMeta,
} from "../../src/internal.js";

const json = fc.jsonValue();
const obj = fc.dictionary(fc.string(), json);
/** A caller's context: any JSON object without the driver's reserved key. */
const ctxArb = obj.filter((c) => !Object.hasOwn(c, "_zmq"));

test("codec property - encodeRequestFrames gives encodeRequest's frames, the id kept as text and the payload exactly when it is at most TEXT_PAYLOAD_MAX_BYTES of UTF-8", () => {
  fc.assert(
    fc.property(
      fc.constantFrom<RpcRequestType>(1, 2, 3),
      ctxArb,
      obj,
      fc.integer({ min: 0, max: 1500 }),
      (type, ctx, args, pad) => {
        const message = { method: "m", args: { ...args, pad: "é".repeat(pad % 700) } };
        const frames = encodeRequestFrames(type, "id-1", ctx, message);
        assert.deepEqual(toBuffers(frames), encodeRequest(type, "id-1", ctx, message));
        const payloadBytes = Buffer.byteLength(JSON.stringify([ctx, message]));
        assert.equal(typeof frames[4] === "string", payloadBytes <= TEXT_PAYLOAD_MAX_BYTES);
        for (const f of frames.slice(0, 3)) assert.ok(Buffer.isBuffer(f));
        assert.equal(frames[3], "id-1", "the message id stays text too");
      },
    ),
  );
});

test("codec property - encodeReplyFrames gives encodeReply's frames, the id kept as text and the payload exactly when it is at most TEXT_PAYLOAD_MAX_BYTES of UTF-8", () => {
  fc.assert(
    fc.property(json, fc.option(fc.string(), { nil: null }), fc.integer({ min: 0, max: 700 }), (body, failure, pad) => {
      const padded = [body, "é".repeat(pad)];
      const peer = Buffer.from("peer");
      const frames = encodeReplyFrames(peer, "id-1", padded, failure);
      assert.deepEqual(toBuffers(frames), encodeReply(peer, "id-1", padded, failure));
      assert.equal(frames[4], "id-1");
      const payloadBytes = Buffer.byteLength(JSON.stringify([padded, failure]));
      assert.equal(typeof frames[5] === "string", payloadBytes <= TEXT_PAYLOAD_MAX_BYTES);
    }),
  );
});

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

const notificationArb = fc.record({
  message_id: fc.string({ minLength: 1, maxLength: 64 }),
  publisher_id: fc.option(fc.string(), { nil: null }),
  event_type: fc.string(),
  priority: fc.constantFrom("AUDIT", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SAMPLE"),
  payload: json,
  timestamp: fc.string(),
});

test("codec property - a NOTIFY encoded once decodes to type 4 with the same id, context, notification and requeue count", () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 64 }),
      ctxArb,
      notificationArb,
      fc.nat(1000),
      fc.boolean(),
      (id, ctx, message, requeues, ack) => {
        const payload = encodeNotificationPayload(withWireMeta(ctx, undefined, ack, requeues), message);
        const r = decodeRequest([Buffer.from("peer"), ...notificationFrames(id, payload)]);
        assert.ok(r.ok, !r.ok ? r.reason : "");
        assert.equal(r.value.type, MessageType.NOTIFY);
        assert.ok(r.value.type === MessageType.NOTIFY);
        assert.equal(r.value.messageId, id);
        assert.deepEqual(r.value.context, JSON.parse(JSON.stringify(ctx)));
        assert.deepEqual(r.value.message, JSON.parse(JSON.stringify(message)));
        assert.equal(r.value.requeues, requeues);
        assert.equal(r.value.ack, ack);
        assert.equal(r.value.deadline, undefined);
      },
    ),
  );
});

test("codec property - a NOTIFY whose message has a field missing or of the wrong type is rejected with a reason, never thrown", () => {
  const fields = ["message_id", "publisher_id", "event_type", "priority", "payload", "timestamp"] as const;
  fc.assert(
    fc.property(
      notificationArb,
      fc.constantFrom(...fields),
      fc.option(fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constant({})), { nil: undefined }),
      (message, field, wrong) => {
        if (field === "payload" && wrong !== undefined) return; // any JSON is a payload
        const m: Record<string, unknown> = { ...message };
        if (wrong === undefined) delete m[field];
        else m[field] = wrong;
        const frames = [Buffer.from("peer"), Buffer.from(""), Buffer.from("1.0"), Buffer.from("4"), Buffer.from("i")];
        const r = decodeRequest([...frames, Buffer.from(JSON.stringify([{}, m]))]);
        assert.equal(r.ok, false);
        assert.ok(!r.ok && r.reason.includes(field), !r.ok ? r.reason : "");
      },
    ),
  );
});

test("codec property - an RPC message sent as a NOTIFY, or a notification sent as a CAST, is malformed", () => {
  fc.assert(
    fc.property(notificationArb, fc.string({ minLength: 1 }), (n, method) => {
      const head = (t: string) => [
        Buffer.from("p"),
        Buffer.from(""),
        Buffer.from("1.0"),
        Buffer.from(t),
        Buffer.from("i"),
      ];
      assert.equal(decodeRequest([...head("4"), Buffer.from(JSON.stringify([{}, { method, args: {} }]))]).ok, false);
      assert.equal(decodeRequest([...head("2"), Buffer.from(JSON.stringify([{}, n]))]).ok, false);
    }),
  );
});
