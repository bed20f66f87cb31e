/**
 * Goal: the wire codec produces oslo's v1.0 frame layout and rejects every malformed
 * input with a reason instead of throwing. Method: hand-built frames.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeReply, decodeRequest, encodeReply, encodeRequest, MessageType } from "../../src/internal.js";

const b = (s: string) => Buffer.from(s);
const asRouterSees = (frames: Buffer[]) => [b("peer"), ...frames];

test("codec - request frames follow oslo v1.0: ['', '1.0', type, id, json([ctx, msg])]", () => {
  const f = encodeRequest(MessageType.CALL, "m1", { user: "u" }, { method: "add", args: { n: 1 } });
  assert.deepEqual(f.map(String), [
    "",
    "1.0",
    "1",
    "m1",
    JSON.stringify([{ user: "u" }, { method: "add", args: { n: 1 } }]),
  ]);
});

test("codec - reply frames: [peer, '', '1.0', '5', id, json([body, failure])]", () => {
  const f = encodeReply(b("peer"), "m1", { ok: true }, null);
  assert.deepEqual(f.map(String), ["peer", "", "1.0", "5", "m1", JSON.stringify([{ ok: true }, null])]);
  assert.deepEqual(encodeReply(b("p"), "m", undefined, null)[5]!.toString(), "[null,null]");
});

test("codec - a request round-trips through the ROUTER view", () => {
  const r = decodeRequest(
    asRouterSees(encodeRequest(MessageType.CAST, "id", {}, { method: "m", args: {}, namespace: "ns", version: "1.2" })),
  );
  assert.ok(r.ok);
  assert.equal(r.value.type, MessageType.CAST);
  assert.equal(r.value.message.namespace, "ns");
  assert.equal(r.value.peerId.toString(), "peer");
});

test("codec - missing args decode as {} (oslo msg.get('args', {}))", () => {
  const r = decodeRequest([b("p"), b(""), b("1.0"), b("1"), b("i"), b('[{}, {"method": "m"}]')]);
  assert.ok(r.ok && r.value.type !== MessageType.NOTIFY && Object.keys(r.value.message.args).length === 0);
});

const badRequests: [string, Buffer[]][] = [
  ["too few frames", [b("p"), b(""), b("1.0")]],
  ["non-empty delimiter", [b("p"), b("x"), b("1.0"), b("1"), b("i"), b('[{}, {"method": "m"}]')]],
  ["unknown version", [b("p"), b(""), b("2.0"), b("1"), b("i"), b('[{}, {"method": "m"}]')]],
  ["reply type in a request", [b("p"), b(""), b("1.0"), b("5"), b("i"), b('[{}, {"method": "m"}]')]],
  ["empty id", [b("p"), b(""), b("1.0"), b("1"), b(""), b('[{}, {"method": "m"}]')]],
  ["bad json", [b("p"), b(""), b("1.0"), b("1"), b("i"), b("[{")]],
  ["payload not a pair", [b("p"), b(""), b("1.0"), b("1"), b("i"), b("[{}]")]],
  ["context not an object", [b("p"), b(""), b("1.0"), b("1"), b("i"), b('[1, {"method": "m"}]')]],
  ["method missing", [b("p"), b(""), b("1.0"), b("1"), b("i"), b('[{}, {"args": {}}]')]],
  ["args not an object", [b("p"), b(""), b("1.0"), b("1"), b("i"), b('[{}, {"method": "m", "args": [1]}]')]],
  ["namespace not a string", [b("p"), b(""), b("1.0"), b("1"), b("i"), b('[{}, {"method": "m", "namespace": 3}]')]],
  ["version not a string", [b("p"), b(""), b("1.0"), b("1"), b("i"), b('[{}, {"method": "m", "version": 1.1}]')]],
];
for (const [name, frames] of badRequests) {
  test(`codec - request rejected with a reason: ${name}`, () => {
    const r = decodeRequest(frames);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.reason.length > 0);
  });
}

test("codec - payload larger than maxBytes is rejected", () => {
  const frames = asRouterSees(encodeRequest(MessageType.CALL, "i", {}, { method: "m", args: { s: "x".repeat(100) } }));
  assert.equal(decodeRequest(frames, 50).ok, false);
  assert.equal(decodeRequest(frames, 1000).ok, true);
});

test("codec - replies: wrong type, bad failure and bad shape are rejected", () => {
  assert.equal(decodeReply([b(""), b("1.0"), b("1"), b("i"), b("[1,null]")]).ok, false);
  assert.equal(decodeReply([b(""), b("1.0"), b("5"), b("i"), b("[1,2]")]).ok, false);
  assert.equal(decodeReply([b(""), b("1.0"), b("5"), b("i"), b("[1]")]).ok, false);
  assert.equal(decodeReply([b("1.0"), b("5"), b("i"), b("[1,null]")]).ok, false);
  const ok = decodeReply([b(""), b("1.0"), b("5"), b("i"), b('[1,"{}"]')]);
  assert.ok(ok.ok && ok.value.body === 1 && ok.value.failure === "{}");
});
