/**
 * Goal: batch envelopes (wire version 2, spec/codec.md "Batches") carry any messages of the
 * 1.0 layout and give them back unchanged, in order; a malformed envelope is refused whole
 * with a reason and never throws; a reader of 1.0 only refuses a batch instead of misreading
 * it; host entries say which servers read batches.
 * Method: fast-check round trips and random bytes as records; hand-made bad envelopes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  batchBytes,
  decodeReply,
  decodeRequest,
  encodeRequest,
  formatHostEntry,
  isBatch,
  joinBatch,
  MAX_BATCH_MESSAGES,
  MessageType,
  parseHostEntry,
  splitBatch,
  toBuffers,
  type OutFrame,
  WIRE_VERSION,
  withoutWire,
} from "../../src/internal.js";
import { generateCurveKeyPair } from "../../src/index.js";

const B = (s: string): Buffer => Buffer.from(s);
const E = Buffer.alloc(0);

const message = fc.record({
  type: fc.integer({ min: 1, max: 6 }),
  id: fc.uint8Array({ minLength: 1, maxLength: 128 }),
  payload: fc.uint8Array({ maxLength: 600 }),
});
type M = { type: number; id: Uint8Array; payload: Uint8Array };
const layout = (m: M, head: 0 | 1, peer: Buffer): Buffer[] => {
  const body = [E, B("1.0"), B(String(m.type)), Buffer.from(m.id), Buffer.from(m.payload)];
  return head === 1 ? [peer, ...body] : body;
};

test("batch property - split(join(messages)) gives back every message in the 1.0 layout, in order, from either side", () => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 40 }), fc.constantFrom<0 | 1>(0, 1), (ms, head) => {
      const peer = B("peer-1");
      const messages = ms.map((m) => layout(m, head, peer));
      const batch = joinBatch(messages, head);
      assert.equal(batch.length, head + 3, "one frame of records after the delimiter and version");
      assert.equal(isBatch(batch, head), true);
      const split = splitBatch(batch, head);
      assert.ok(split.ok, split.ok ? "" : split.reason);
      assert.deepEqual(
        split.messages.map((m) => m.map((f) => Buffer.from(f))),
        messages,
      );
      const bytes = messages.reduce((n, m) => n + batchBytes(m, head), 0);
      assert.equal(batch[head + 2]!.length, bytes, "batchBytes adds up to the records' size");
    }),
  );
});

test("batch property - an id and payload still as text join as their UTF-8 bytes, exactly as the same frames as Buffers", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string({ unit: "grapheme", maxLength: 120 }), fc.boolean()), {
        minLength: 1,
        maxLength: 20,
      }),
      fc.constantFrom<0 | 1>(0, 1),
      (payloads, head) => {
        const peer = B("peer-1");
        const asText: OutFrame[][] = [];
        const asBytes: Buffer[][] = [];
        for (const [i, [text, keep]] of payloads.entries()) {
          const m = layout({ type: 2, id: B(`m${i}`), payload: B(text) }, head, peer);
          asBytes.push(m);
          asText.push(keep ? [...m.slice(0, head + 3), `m${i}`, text] : m);
        }
        assert.deepEqual(joinBatch(asText, head), joinBatch(asBytes, head));
        const bytes = asText.reduce((n, m) => n + batchBytes(m, head), 0);
        assert.deepEqual(joinBatch(asText, head, bytes), joinBatch(asBytes, head));
        assert.deepEqual(toBuffers(asText[0]!), asBytes[0]);
      },
    ),
  );
});

test("batch property - any bytes as records: the split never throws, and what it accepts covers the records exactly", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom<0 | 1>(0, 1), (bytes, head) => {
      const frames = head === 1 ? [B("p"), E, B("2.0"), Buffer.from(bytes)] : [E, B("2.0"), Buffer.from(bytes)];
      const split = splitBatch(frames, head);
      if (!split.ok) {
        assert.ok(["frames", "delimiter", "shape"].includes(split.kind));
        return;
      }
      const total = split.messages.reduce((n, m) => n + batchBytes(m, head), 0);
      assert.equal(total, bytes.length);
    }),
  );
});

test("batch - malformed envelopes are refused whole, with the kind and a reason", () => {
  const ok = joinBatch([layout({ type: 1, id: B("a"), payload: B("[{},{}]") }, 0, E)], 0);
  const refused = (frames: Buffer[], head: 0 | 1, kind: string, reason: RegExp): void => {
    const s = splitBatch(frames, head);
    assert.equal(s.ok, false);
    if (!s.ok) {
      assert.equal(s.kind, kind);
      assert.match(s.reason, reason);
    }
  };
  refused([...ok, B("x")], 0, "frames", /expected 3 frames/);
  refused([B("x"), ok[1]!, ok[2]!], 0, "delimiter", /delimiter/);
  refused([E, B("2.0"), ok[2]!.subarray(0, ok[2]!.length - 1)], 0, "shape", /record 0 runs past the end/);
  refused([E, B("2.0"), Buffer.from([0x31, 1, 0, 0])], 0, "shape", /record 0 runs past/);
  refused([E, B("2.0"), E], 0, "shape", /empty batch/);
  const tiny = Buffer.from([0x32, 1, 0, 0, 0, 0, 0x61]); // type 2, id "a", empty payload
  refused([E, B("2.0"), Buffer.concat(Array(MAX_BATCH_MESSAGES + 1).fill(tiny))], 0, "frames", /more than 4096/);
  assert.equal(splitBatch([E, B("2.0"), Buffer.concat(Array(MAX_BATCH_MESSAGES).fill(tiny))], 0).ok, true);
});

test("batch - the messages of a batch are checked one by one by the 1.0 decoders", () => {
  const good = encodeRequest(MessageType.CALL, "m1", {}, { method: "echo", args: {} });
  const bad = [E, B("1.0"), B("9"), B("m2"), B("[{},{}]")];
  const split = splitBatch([B("peer"), ...joinBatch([good, bad], 0)], 1);
  assert.ok(split.ok);
  const [first, second] = split.messages.map((m) => decodeRequest(m));
  assert.equal(first!.ok && first!.value.messageId, "m1");
  assert.equal(second!.ok, false);
  if (!second!.ok) assert.equal(second!.kind, "type");
});

test("batch - a reader of 1.0 only refuses a batch, it never reads it as a message", () => {
  const batch = joinBatch([encodeRequest(MessageType.CAST, "m1", {}, { method: "x", args: {} })], 0);
  const asRouter = decodeRequest([B("peer"), ...batch]);
  assert.equal(asRouter.ok, false);
  const withSixFrames = decodeRequest([B("peer"), E, B("2.0"), B("1"), B("m1"), B("[{},{}]")]);
  assert.equal(withSixFrames.ok, false);
  if (!withSixFrames.ok) assert.equal(withSixFrames.kind, "version");
  assert.equal(decodeReply(batch).ok, false);
});

test("host entries - #wire says a server reads batches; unknown attributes are ignored; withoutWire strips it (oslo's key scheme stores bare host:port)", () => {
  const key = generateCurveKeyPair().publicKey;
  assert.equal(formatHostEntry("tcp://h:1", undefined), "tcp://h:1");
  assert.equal(formatHostEntry("tcp://h:1", undefined, WIRE_VERSION), "tcp://h:1#wire=2");
  const both = formatHostEntry("tcp://h:1", key, WIRE_VERSION);
  assert.deepEqual(parseHostEntry(both), { address: "tcp://h:1", curveServerKey: key, wire: 2 });
  assert.deepEqual(parseHostEntry("tcp://h:1"), { address: "tcp://h:1", curveServerKey: undefined, wire: 1 });
  assert.deepEqual(parseHostEntry("tcp://h:1#wire=2#future=x"), {
    address: "tcp://h:1",
    curveServerKey: undefined,
    wire: 2,
  });
  assert.equal(parseHostEntry("tcp://h:1#wire=two").address, "tcp://h:1#wire=two", "a malformed value: all address");
  assert.equal(withoutWire(both), formatHostEntry("tcp://h:1", key));
  assert.equal(withoutWire("tcp://h:1#wire=2"), "tcp://h:1");
});
