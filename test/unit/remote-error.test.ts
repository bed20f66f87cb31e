/**
 * Goal: remote exceptions cross the wire in oslo's format and are rebuilt as promised:
 * built-ins and the driver's dispatcher errors as themselves, registered classes
 * re-created with their fields, anything else as RemoteError.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  deserializeRemoteError,
  NoSuchMethod,
  RemoteError,
  serializeRemoteError,
  UnsupportedVersion,
} from "../../src/internal.js";

test("remote-error - wire form has oslo's keys (plus js_class for a JavaScript built-in)", () => {
  const f = JSON.parse(serializeRemoteError(new TypeError("bad")));
  assert.deepEqual(Object.keys(f).sort(), ["args", "class", "js_class", "kwargs", "message", "module", "tb"]);
  assert.equal(f.class, "TypeError");
  assert.equal(f.module, "builtins");
  assert.ok(Array.isArray(f.tb) && f.tb.length > 0);
  const app = JSON.parse(serializeRemoteError(Object.assign(new Error("x"), { name: "Conflict" })));
  assert.deepEqual(Object.keys(app).sort(), ["args", "class", "kwargs", "message", "module", "tb"]);
});

test("remote-error - built-in classes are rebuilt with class and message", () => {
  for (const C of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
    const e = deserializeRemoteError(serializeRemoteError(new C("msg")));
    assert.equal(e.constructor, C);
    assert.equal(e.message, "msg");
  }
});

test("remote-error - NoSuchMethod and UnsupportedVersion keep their fields", () => {
  const a = deserializeRemoteError(serializeRemoteError(new NoSuchMethod("m")));
  assert.ok(a instanceof NoSuchMethod && a.method === "m");
  const b = deserializeRemoteError(serializeRemoteError(new UnsupportedVersion("2.0", "m")));
  assert.ok(b instanceof UnsupportedVersion && b.version === "2.0" && b.method === "m");
});

test("remote-error - a subclass of a built-in is not mistaken for the built-in", () => {
  class Mine extends TypeError {
    override name = "Mine";
  }
  const e = deserializeRemoteError(serializeRemoteError(new Mine("x")));
  assert.ok(e instanceof RemoteError && e.excType === "Mine" && e.value === "x");
});

test("remote-error - registered classes are re-created with the sender's fields", () => {
  class Conflict extends Error {
    override name = "Conflict";
    resource = "";
  }
  const sent = Object.assign(new Conflict("busy"), { resource: "vm-1", attempt: 2 });
  const e = deserializeRemoteError(serializeRemoteError(sent), { Conflict });
  assert.ok(e instanceof Conflict);
  assert.equal(e.message, "busy");
  assert.equal((e as unknown as { attempt: number }).attempt, 2);
});

test("remote-error - non-Error throws and garbage failures become RemoteError", () => {
  const e = deserializeRemoteError(serializeRemoteError("a string"));
  assert.ok(e instanceof Error && e.message === "a string");
  assert.ok(deserializeRemoteError("not json") instanceof RemoteError);
  assert.ok(deserializeRemoteError('{"class": 3}') instanceof RemoteError);
  const spoof = deserializeRemoteError(JSON.stringify({ class: "__proto__", module: "app", message: "m" }), {});
  assert.ok(spoof instanceof RemoteError);
});
