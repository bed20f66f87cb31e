/**
 * Goal: CURVE keys and options are read one way only and a secret key is never shown
 * (spec/security.md): Z85 as ZeroMQ RFC 32 defines it, the matchmaker entry of decision
 * 0021 (address and hex key, split unambiguously whatever characters the Z85 key has),
 * DriverOptions.curve checked field by field with errors that name the field and never
 * print the secret key, and a mistyped key pair refused by getRpcTransport.
 * Method: RFC 32's test vector, keys from libzmq, fast-check for the entry round trip.
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { test } from "node:test";
import fc from "fast-check";
import { generateCurveKeyPair, getRpcTransport } from "../../src/index.js";
import {
  curveKeyHex,
  curveKeyOfHex,
  curvePublicKeyOf,
  formatHostEntry,
  hasCurveKey,
  InProcessMatchmaker,
  isCurveKey,
  NodeClock,
  parseHostEntry,
  resolveOptions,
  z85Decode,
  z85Encode,
} from "../../src/internal.js";

test("curve keys - Z85 encodes and decodes RFC 32's test vector", () => {
  const bytes = Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.equal(z85Encode(bytes), "HelloWorld");
  assert.deepEqual(z85Decode("HelloWorld"), bytes);
  assert.deepEqual(z85Decode("Hello"), bytes.subarray(0, 4));
  assert.equal(z85Decode("Hell"), undefined, "not a multiple of 5");
  assert.equal(z85Decode('Hell"'), undefined, "a character outside the alphabet");
  assert.equal(z85Decode("%%%%%"), undefined, "a group above 2^32 - 1");
});

test("curve keys - libzmq's keys are 40 Z85 characters; the public key of a secret key is libzmq's public key", () => {
  for (let i = 0; i < 20; i++) {
    const { publicKey, secretKey } = generateCurveKeyPair();
    assert.ok(isCurveKey(publicKey) && isCurveKey(secretKey));
    assert.equal(z85Encode(z85Decode(publicKey)!), publicKey);
    assert.equal(curvePublicKeyOf(secretKey), publicKey);
    assert.equal(curveKeyOfHex(curveKeyHex(publicKey)), publicKey);
  }
  assert.equal(isCurveKey("x".repeat(39)), false);
  assert.equal(isCurveKey(42), false);
});

test("host entries - a plaintext server's entry is its address; a CURVE server's splits back into address and key", () => {
  const { publicKey } = generateCurveKeyPair();
  assert.equal(formatHostEntry("tcp://10.0.0.5:41234", undefined), "tcp://10.0.0.5:41234");
  assert.deepEqual(parseHostEntry("tcp://10.0.0.5:41234"), {
    address: "tcp://10.0.0.5:41234",
    curveServerKey: undefined,
    wire: 1,
  });
  const entry = formatHostEntry("tcp://10.0.0.5:41234", publicKey);
  assert.match(entry, /^tcp:\/\/10\.0\.0\.5:41234#curve=[0-9a-f]{64}$/);
  assert.deepEqual(parseHostEntry(entry), { address: "tcp://10.0.0.5:41234", curveServerKey: publicKey, wire: 1 });
  assert.equal(hasCurveKey(entry), true);
  // A malformed suffix is all address (connect then fails on it, as on any bad address).
  assert.equal(parseHostEntry("tcp://h:1#curve=abc").curveServerKey, undefined);
});

test("host entries - property: any key (whatever Z85 characters it has) and any address without '#' round-trip", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.stringMatching(/^tcp:\/\/[a-z0-9.\-[\]:]{1,30}:\d{1,5}$/),
      (bytes, address) => {
        const key = z85Encode(bytes);
        assert.deepEqual(parseHostEntry(formatHostEntry(address, key)), { address, curveServerKey: key, wire: 1 });
        assert.deepEqual(parseHostEntry(formatHostEntry(address, key, 2)), { address, curveServerKey: key, wire: 2 });
        assert.deepEqual(parseHostEntry(address), { address, curveServerKey: undefined, wire: 1 });
      },
    ),
  );
});

test("curve options - each field is checked, the error names it, and a secret key is never shown", () => {
  const { publicKey, secretKey } = generateCurveKeyPair();
  const bad = `${secretKey.slice(0, 39)}~`; // one character outside Z85
  const cases: [unknown, RegExp, new (...a: never[]) => Error][] = [
    [
      { publicKey, secretKey: bad },
      /^DriverOptions\.curve\.secretKey must be a CURVE key .*a string of 40 characters \(not shown\)$/,
      RangeError,
    ],
    [
      { publicKey, secretKey: 7 },
      /^DriverOptions\.curve\.secretKey must be a CURVE key.* type number \(not shown\)$/,
      TypeError,
    ],
    [{ publicKey: "short", secretKey }, /^DriverOptions\.curve\.publicKey must be a CURVE key/, RangeError],
    [{ secretKey }, /^DriverOptions\.curve\.publicKey must be/, TypeError],
    [{ publicKey, secretKey, allowedClientKeys: publicKey }, /allowedClientKeys must be an array/, TypeError],
    [
      { publicKey, secretKey, allowedClientKeys: [publicKey, "nope"] },
      /allowedClientKeys\[1\] must be a CURVE key/,
      RangeError,
    ],
    [{ publicKey, secretKey, allowedServerKeys: [7] }, /allowedServerKeys\[0\] must be a CURVE key/, TypeError],
    [{ publicKey, secretKey, allowed: [] }, /DriverOptions\.curve has no option "allowed"/, RangeError],
    ["keys", /DriverOptions\.curve must be an object/, TypeError],
  ];
  for (const [curve, message, cls] of cases) {
    assert.throws(
      () => resolveOptions({ curve: curve as never }),
      (e: unknown) => {
        assert.ok(e instanceof cls, `${String(e)} is a ${cls.name}`);
        assert.match((e as Error).message, message);
        assert.ok(!(e as Error).message.includes(secretKey), "the secret key is not in the message");
        assert.ok(!(e as Error).message.includes(bad), "nor the mistyped one");
        return true;
      },
    );
  }
});

test("curve options - a pair whose halves do not belong together fails getRpcTransport, naming neither key", async () => {
  const a = generateCurveKeyPair();
  const b = generateCurveKeyPair();
  await assert.rejects(
    getRpcTransport("zmq://", {
      matchmaker: new InProcessMatchmaker(new NodeClock()),
      curve: { publicKey: a.publicKey, secretKey: b.secretKey },
    }),
    (e: unknown) =>
      e instanceof RangeError &&
      /curve\.publicKey is not the public key of DriverOptions\.curve\.secretKey/.test(e.message) &&
      !e.message.includes(b.secretKey) &&
      !e.message.includes(a.publicKey),
  );
});

test("curve options - the resolved options never show the secret key: not in JSON, util.inspect or a spread", async () => {
  const keys = generateCurveKeyPair();
  const t = await getRpcTransport("zmq://", {
    matchmaker: new InProcessMatchmaker(new NodeClock()),
    curve: { ...keys, allowedClientKeys: [keys.publicKey] },
  });
  try {
    const curve = t.options.curve!;
    assert.equal(curve.secretKey, keys.secretKey, "the code that makes sockets reads it");
    for (const shown of [JSON.stringify(t.options), inspect(t.options, { depth: 5 }), JSON.stringify({ ...curve })])
      assert.ok(!shown.includes(keys.secretKey), shown);
    assert.ok(JSON.stringify(t.options).includes(keys.publicKey), "the public key is shown");
  } finally {
    await t.close();
  }
});

test("curve options - CURVE with proxy routing is refused at once (proxies do not speak CURVE), never plaintext", async () => {
  const keys = generateCurveKeyPair();
  await assert.rejects(
    getRpcTransport("zmq://", { matchmaker: new InProcessMatchmaker(new NodeClock()), curve: keys, routing: "proxy" }),
    (err: Error) =>
      err instanceof RangeError && /routing "proxy"/.test(err.message) && !err.message.includes(keys.secretKey),
  );
});
