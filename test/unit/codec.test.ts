/**
 * Goal: the wire codec produces oslo's v1.0 frame layout and rejects every malformed
 * input with a reason instead of throwing. Method: hand-built frames.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeAck,
  decodeReply,
  decodeRequest,
  encodeReply,
  encodeRequest,
  MAX_JSON_DEPTH,
  MessageType,
  nestsDeeperThan,
} from "../../src/internal.js";

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

/** A request whose args hold `depth` nested arrays: the payload nests depth + 3 levels ([ctx, msg], msg, args). */
const deepRequest = (depth: number, type = "1") => [
  b("p"),
  b(""),
  b("1.0"),
  b(type),
  b("deep"),
  b(`[{},{"method":"m","args":{"v":${"[".repeat(depth)}${"]".repeat(depth)}}}]`),
];

test("codec - a payload nested deeper than MAX_JSON_DEPTH is rejected unparsed (kind depth); exactly the bound decodes (regression: fuzz)", () => {
  const at = decodeRequest(deepRequest(MAX_JSON_DEPTH - 3));
  assert.ok(at.ok, !at.ok ? at.reason : "");
  const over = decodeRequest(deepRequest(MAX_JSON_DEPTH - 2));
  assert.ok(!over.ok && over.kind === "depth", !over.ok ? over.reason : "accepted");
  // 100,000 levels: rejected by the scan, never handed to JSON.parse.
  const far = decodeRequest(deepRequest(100_000));
  assert.ok(!far.ok && far.kind === "depth");
  const reply = decodeReply([
    b(""),
    b("1.0"),
    b("5"),
    b("i"),
    b(`[${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)},null]`),
  ]);
  assert.ok(!reply.ok && reply.kind === "depth", "replies have the same bound");
});

test("codec - the nesting scan counts brackets outside strings only, escaped quotes included", () => {
  const inString = `["${"[".repeat(600)}\\"${"{".repeat(600)}"]`;
  assert.equal(JSON.parse(inString).length, 1);
  assert.equal(nestsDeeperThan(b(inString), 10), false);
  assert.equal(nestsDeeperThan(b(`${"[".repeat(11)}${"]".repeat(11)}`), 10), true);
  assert.equal(nestsDeeperThan(b(`${"[".repeat(10)}${"]".repeat(10)}`), 10), false);
  assert.equal(nestsDeeperThan(b(`[${"[]".repeat(50)}]`), 10), false, "wide is not deep");
  assert.equal(nestsDeeperThan(b("[".repeat(20)), 10), false, "at most 2 × max bytes: not scanned");
});

test("codec - every rejection names its kind, in the order the checks run", () => {
  const good = encodeRequest(MessageType.CALL, "i", {}, { method: "m", args: {} });
  const req = (f: (string | Buffer)[]) => decodeRequest(f.map((x) => (typeof x === "string" ? b(x) : x)));
  const kind = (r: ReturnType<typeof decodeRequest>) => (r.ok ? "ok" : r.kind);
  assert.equal(kind(req(["p", ...good.slice(0, 4)])), "frames");
  assert.equal(kind(req(["p", "x", ...good.slice(1)])), "delimiter");
  assert.equal(kind(req(["p", "", "1.1", ...good.slice(2)])), "version");
  assert.equal(kind(req(["p", "", "1.0", "5", ...good.slice(3)])), "type");
  assert.equal(kind(req(["p", "", "1.0", "1", "", good[4]!])), "id");
  assert.equal(kind(req(["p", "", "1.0", "1", "i", "[{},"])), "json");
  assert.equal(kind(req(["p", "", "1.0", "1", "i", "[{}]"])), "shape");
  assert.equal(kind(req(["p", "", "1.0", "1", "i", '[[],{"method":"m"}]'])), "context");
  assert.equal(kind(req(["p", "", "1.0", "1", "i", '[{"_zmq":5},{"method":"m"}]'])), "context");
  assert.equal(kind(req(["p", "", "1.0", "1", "i", '[{"_zmq":5},{"method":""}]'])), "message", "message before _zmq");
  const big = decodeRequest([b("p"), ...good.slice(0, 4), b(`"${"x".repeat(100)}"`)], 50);
  assert.ok(!big.ok && big.oversized !== undefined, "oversized is not a malformed kind of its own");
  const ack = decodeAck([b(""), b("1.0"), b("6"), b("i"), b("x")]);
  assert.ok(!ack.ok && ack.kind === "shape");
});

test("codec - a reason quotes at most 32 bytes of a frame a peer chose", () => {
  const r = decodeRequest([b("p"), b(""), Buffer.alloc(100_000, 0x39), b("1"), b("i"), b("[]")]);
  assert.ok(!r.ok && r.kind === "version");
  assert.ok(r.reason.length < 100, r.reason);
});
