/**
 * Goal: the checks of caller input (src/core/validate.ts, src/core/json-check.ts) and the
 * codec's size and serialization errors say what is wrong, in one shape, and never throw
 * anything else themselves. Method: direct calls with values of every kind.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PayloadTooLarge } from "../../src/index.js";
import {
  decodeReply,
  decodeRequest,
  encodeReply,
  encodeRequest,
  explainUnserializable,
  finiteAtLeast,
  integerAtLeast,
  knownKeys,
  MessageType,
  oneOf,
  plainObject,
  resolveOptions,
  showValue,
} from "../../src/internal.js";

test("validate - one shape: '<what> must be <expected>, got <value>'; TypeError for a type, RangeError for a range", () => {
  assert.throws(() => integerAtLeast("X.n", "3", 1), {
    name: "TypeError",
    message: 'X.n must be an integer >= 1, got "3"',
  });
  assert.throws(() => integerAtLeast("X.n", 2.5, 1), {
    name: "RangeError",
    message: "X.n must be an integer >= 1, got 2.5",
  });
  assert.throws(() => finiteAtLeast("X.ms", Number.NaN, 0), { name: "RangeError", message: /got NaN$/ });
  assert.throws(() => oneOf("X.p", "loud", ["a", "b"]), {
    name: "RangeError",
    message: 'X.p must be "a" or "b", got "loud"',
  });
  assert.throws(() => plainObject("X.args", [1]), {
    name: "TypeError",
    message: "X.args must be a plain object, got an array of 1",
  });
  assert.throws(() => knownKeys("Opts", { tiemout: 1 }, ["timeout"]), {
    name: "RangeError",
    message: 'Opts has no option "tiemout"; known: timeout',
  });
});

test("validate property - showValue never throws and stays short, whatever the value", () => {
  const hostile = [
    new Proxy(
      {},
      {
        getPrototypeOf: () => {
          throw new Error("trap");
        },
      },
    ),
    Object.create(null),
    Symbol("s"),
    10n,
    () => 1,
    new (class Thing {})(),
    "q".repeat(10_000),
  ];
  for (const v of hostile) assert.ok(showValue(v).length < 120, showValue(v));
  fc.assert(
    fc.property(
      fc.anything({ withBigInt: true, withMap: true, withNullPrototype: true }),
      (v) => showValue(v).length < 120,
    ),
  );
});

test("validate - resolveOptions names the option: wrong type, wrong range, unknown key, nested pool and ports", () => {
  assert.throws(() => resolveOptions({ sendTimeoutMs: "5" as unknown as number }), {
    name: "TypeError",
    message: 'DriverOptions.sendTimeoutMs must be a finite number > 0, got "5"',
  });
  assert.throws(() => resolveOptions({ lingerMs: -1 }), { name: "RangeError", message: /^DriverOptions\.lingerMs/ });
  assert.throws(() => resolveOptions({ timeoutMs: 5 } as never), {
    name: "RangeError",
    message: /has no option "timeoutMs"/,
  });
  assert.throws(() => resolveOptions({ pool: { maxSockets: 0 } }), {
    name: "RangeError",
    message: /^pool\.maxSockets/,
  });
  assert.throws(() => resolveOptions({ pool: { max: 1 } } as never), {
    message: /DriverOptions\.pool has no option "max"/,
  });
  assert.throws(() => resolveOptions({ ports: { sockets: {}, clock: {}, rng: {} } } as never), {
    name: "TypeError",
    message: /^DriverOptions\.ports\.sockets\.router must be a function/,
  });
  assert.throws(() => resolveOptions({ redisMatchmaker: { keyPrefix: "a b" } }), {
    message: /keyPrefix must be free of white space/,
  });
  assert.throws(() => resolveOptions(7 as never), {
    name: "TypeError",
    message: "DriverOptions must be an object, got 7",
  });
  assert.equal(resolveOptions({ pool: { idleTimeoutMs: Infinity } }).pool.idleTimeoutMs, Infinity);
});

test("validate - DriverOptions.balancing is one of the four strategies, round robin when absent", () => {
  assert.equal(resolveOptions({}).balancing, "round-robin");
  for (const b of ["round-robin", "random", "least-in-flight", "latency"] as const)
    assert.equal(resolveOptions({ balancing: b }).balancing, b);
  assert.throws(() => resolveOptions({ balancing: "fastest" as never }), {
    name: "RangeError",
    message:
      'DriverOptions.balancing must be "round-robin" or "random" or "least-in-flight" or "latency", got "fastest"',
  });
  assert.throws(() => resolveOptions({ balancing: 1 as never }), {
    name: "TypeError",
    message: /^DriverOptions\.balancing/,
  });
});

test("json-check - names the first path JSON cannot carry: BigInt, circular reference, a throwing toJSON", () => {
  const loop: Record<string, unknown> = {};
  loop.again = { back: loop };
  assert.match(explainUnserializable("args", { a: [1, { b: 2n }] })!, /^args\.a\[1\]\.b is a BigInt/);
  assert.match(explainUnserializable("args", { x: loop })!, /^args\.x\.again\.back refers back/);
  assert.match(
    explainUnserializable("args", {
      d: {
        toJSON: () => {
          throw new Error("nope");
        },
      },
    })!,
    /^args\.d\.toJSON\(\) threw: nope/,
  );
  const shared = { s: 1 };
  assert.equal(explainUnserializable("args", { a: shared, b: shared }), undefined, "a shared object is not a cycle");
});

test("codec - encodeRequest refuses a payload over maxBytes with PayloadTooLarge naming bytes and limit", () => {
  const big = { method: "m", args: { s: "é".repeat(60) } };
  assert.throws(
    () => encodeRequest(MessageType.CALL, "id", {}, big, 100),
    (e: unknown) =>
      e instanceof PayloadTooLarge && e.limitBytes === 100 && e.bytes > 100 && /^request of \d+ bytes/.test(e.message),
  );
  assert.equal(encodeRequest(MessageType.CALL, "id", {}, { method: "m", args: {} }, 100).length, 5);
});

test("codec - encodeReply refuses a result it cannot serialize or that is over maxBytes", () => {
  const peer = Buffer.from("p");
  assert.throws(() => encodeReply(peer, "id", { n: 1n }, null), {
    name: "TypeError",
    message: /result\.n is a BigInt/,
  });
  assert.throws(() => encodeReply(peer, "id", "x".repeat(200), null, 100), PayloadTooLarge);
});

test("codec - an oversized payload is dropped undecoded but its message id and type are reported", () => {
  const req = encodeRequest(MessageType.CALL, "abc", {}, { method: "m", args: { s: "x".repeat(500) } });
  const r = decodeRequest([Buffer.from("peer"), ...req], 100);
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.oversized, { messageId: "abc", type: MessageType.CALL, bytes: req[4]!.length });
  const rep = encodeReply(Buffer.from("p"), "xyz", "y".repeat(500), null).slice(1);
  const d = decodeReply(rep, 100);
  assert.deepEqual(!d.ok && d.oversized, { messageId: "xyz", type: MessageType.REPLY, bytes: rep[4]!.length });
});
