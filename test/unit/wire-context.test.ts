/**
 * Goal: the driver's "_zmq" context key and the ACK frames follow spec/codec.md. The
 * client adds "_zmq" to a copy of the context, last; the decoder takes it out of the
 * context and returns deadline and ack beside it; a malformed "_zmq" makes the request
 * malformed; a context without one (an older client, oslo's Python driver) has neither.
 * ACKs are `[peer, "", "1.0", "6", id, ""]` and decode from the DEALER's five frames.
 * Method: hand-built frames and contexts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeAck,
  decodeRequest,
  encodeAck,
  encodeRequest,
  MessageType,
  takeWireMeta,
  withWireMeta,
} from "../../src/internal.js";

const b = (s: string) => Buffer.from(s);
const request = (payload: string) => [b("peer"), b(""), b("1.0"), b("1"), b("id"), b(payload)];

test("wire context - withWireMeta copies the context and adds _zmq last; the caller's object is untouched", () => {
  const ctx = { user: "u", n: 1 };
  const wire = withWireMeta(ctx, 1_700_000_000_123, false);
  assert.deepEqual(ctx, { user: "u", n: 1 });
  assert.notEqual(wire, ctx);
  assert.deepEqual(Object.keys(wire), ["user", "n", "_zmq"]);
  assert.deepEqual(wire._zmq, { deadline: 1_700_000_000_123 });
  assert.deepEqual(withWireMeta({}, 5, true), { _zmq: { deadline: 5, ack: true } });
  assert.deepEqual(withWireMeta({}, undefined, false), { _zmq: {} });
});

test("wire context - a context key named __proto__ is copied as a key, not as the prototype", () => {
  const ctx = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const wire = withWireMeta(ctx, 1, false);
  assert.equal(Object.getPrototypeOf(wire), Object.prototype);
  assert.equal(JSON.stringify(wire), '{"__proto__":{"polluted":true},"a":1,"_zmq":{"deadline":1}}');
});

test("wire context - the decoder strips _zmq from the context and returns deadline and ack", () => {
  const frames = encodeRequest(MessageType.CALL, "id", withWireMeta({ user: "u" }, 1_700_000_000_500, true), {
    method: "m",
    args: {},
  });
  const r = decodeRequest([b("peer"), ...frames]);
  assert.ok(r.ok);
  assert.deepEqual(r.value.context, { user: "u" });
  assert.equal(r.value.deadline, 1_700_000_000_500);
  assert.equal(r.value.ack, true);
});

test("wire context - a context without _zmq (older clients, oslo's Python driver) has no deadline and asks no ACK", () => {
  const r = decodeRequest(request('[{"user": "u"}, {"method": "m"}]'));
  assert.ok(r.ok);
  assert.deepEqual(r.value.context, { user: "u" });
  assert.equal(r.value.deadline, undefined);
  assert.equal(r.value.ack, false);
  const empty = decodeRequest(request('[{"_zmq": {}}, {"method": "m"}]'));
  assert.ok(empty.ok && empty.value.deadline === undefined && !empty.value.ack);
  assert.deepEqual(empty.ok && empty.value.context, {});
});

test("wire context - unknown _zmq fields are ignored (room for later additions)", () => {
  const r = decodeRequest(request('[{"_zmq": {"deadline": 7, "trace": "x"}}, {"method": "m"}]'));
  assert.ok(r.ok && r.value.deadline === 7);
});

const badMeta: [string, string][] = [
  ["_zmq is a number", '[{"_zmq": 1}, {"method": "m"}]'],
  ["_zmq is null", '[{"_zmq": null}, {"method": "m"}]'],
  ["_zmq is an array", '[{"_zmq": []}, {"method": "m"}]'],
  ["deadline is a string", '[{"_zmq": {"deadline": "1"}}, {"method": "m"}]'],
  ["deadline is null", '[{"_zmq": {"deadline": null}}, {"method": "m"}]'],
  ["ack is a number", '[{"_zmq": {"ack": 1}}, {"method": "m"}]'],
  ["once is a string", '[{"_zmq": {"once": "true"}}, {"method": "m"}]'],
];
for (const [name, payload] of badMeta) {
  test(`wire context - a request is malformed when ${name}`, () => {
    const r = decodeRequest(request(payload));
    assert.ok(!r.ok && r.reason.includes("_zmq"), JSON.stringify(r));
  });
}

test("wire context - takeWireMeta removes the key from the object it is given", () => {
  const ctx: Record<string, unknown> = { a: 1, _zmq: { deadline: 3 } };
  assert.deepEqual(takeWireMeta(ctx), { deadline: 3, ack: false, once: false });
  assert.deepEqual(ctx, { a: 1 });
});

test("codec - ACK frames: [peer, '', '1.0', '6', id, ''] as sent; the DEALER's five decode", () => {
  const f = encodeAck(b("peer"), "m1");
  assert.deepEqual(f.map(String), ["peer", "", "1.0", "6", "m1", ""]);
  const r = decodeAck(f.slice(1));
  assert.ok(r.ok && r.value.messageId === "m1");
});

const badAcks: [string, Buffer[]][] = [
  ["four frames", [b(""), b("1.0"), b("6"), b("i")]],
  ["non-empty delimiter", [b("x"), b("1.0"), b("6"), b("i"), b("")]],
  ["unknown version", [b(""), b("2.0"), b("6"), b("i"), b("")]],
  ["a reply's type", [b(""), b("1.0"), b("5"), b("i"), b("")]],
  ["empty id", [b(""), b("1.0"), b("6"), b(""), b("")]],
  ["id over 128 bytes", [b(""), b("1.0"), b("6"), Buffer.alloc(129, 0x61), b("")]],
  ["a payload", [b(""), b("1.0"), b("6"), b("i"), b("[]")]],
];
for (const [name, frames] of badAcks) {
  test(`codec - ACK rejected with a reason: ${name}`, () => {
    const r = decodeAck(frames);
    assert.ok(!r.ok && r.reason.length > 0);
  });
}

test("wire context - a requeued notification's count travels as _zmq.requeues; absent for 0; anything but an integer >= 0 is malformed", () => {
  assert.deepEqual(withWireMeta({}, undefined, false, 2), { _zmq: { requeues: 2 } });
  assert.deepEqual(withWireMeta({}, undefined, false, 0), { _zmq: {} });
  assert.deepEqual(takeWireMeta({ _zmq: { requeues: 3 } }), {
    deadline: undefined,
    ack: false,
    once: false,
    requeues: 3,
  });
  for (const bad of [-1, 1.5, "2", null, Number.POSITIVE_INFINITY])
    assert.match(String(takeWireMeta({ _zmq: { requeues: bad } })), /requeues is not an integer >= 0/, String(bad));
});

test("wire context - a request sent once carries _zmq.once: true, decoded as once; absent means it may come again", () => {
  assert.deepEqual(withWireMeta({}, 5, false, 0, undefined, true), { _zmq: { deadline: 5, once: true } });
  assert.deepEqual(withWireMeta({}, 5, false), { _zmq: { deadline: 5 } });
  const sentOnce = decodeRequest(request('[{"_zmq": {"deadline": 5, "once": true}}, {"method": "m"}]'));
  assert.ok(sentOnce.ok && sentOnce.value.once === true && sentOnce.value.deadline === 5);
  assert.deepEqual(sentOnce.ok && sentOnce.value.context, {});
  for (const payload of ['[{"_zmq": {"once": false}}, {"method": "m"}]', '[{}, {"method": "m"}]']) {
    const r = decodeRequest(request(payload));
    assert.ok(r.ok && r.value.once === false, payload);
  }
});
