/**
 * Goal: the dispatch scenarios of oslo's tests/rpc/test_dispatcher.py, on the pure
 * dispatcher. Method: endpoints as plain objects; assert the decision.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { checkEndpoints, dispatch, Dispatcher, expose, NoSuchMethod, UnsupportedVersion } from "../../src/internal.js";

const msg = (method: string, extra: { namespace?: string | null; version?: string } = {}) => ({
  method,
  args: {},
  ...extra,
});
const invoked = (d: ReturnType<typeof dispatch>) => (d.kind === "invoke" ? d.endpoint : undefined);
const rejected = (d: ReturnType<typeof dispatch>) => (d.kind === "reject" ? d.error : undefined);

test("dispatcher - no endpoints: UnsupportedVersion", () => {
  assert.ok(rejected(dispatch([], "default", msg("foo"))) instanceof UnsupportedVersion);
});

test("dispatcher - default target (null namespace, 1.0) serves a plain message", () => {
  const ep = { foo: () => 1 };
  assert.equal(invoked(dispatch([ep], "default", msg("foo"))), ep);
});

test("dispatcher - namespace match and mismatch", () => {
  const ep = { target: { namespace: "testns" }, foo: () => 1 };
  assert.equal(invoked(dispatch([ep], "default", msg("foo", { namespace: "testns" }))), ep);
  assert.ok(rejected(dispatch([ep], "default", msg("foo", { namespace: "nope" }))) instanceof UnsupportedVersion);
  assert.ok(
    rejected(dispatch([ep], "default", msg("foo"))) instanceof UnsupportedVersion,
    "null namespace is not testns",
  );
});

test("dispatcher - version 3.2 against endpoints 1.5 and 3.4 goes to 3.4", () => {
  const a = { target: { version: "1.5" }, foo: () => "a" };
  const b = { target: { version: "3.4" }, foo: () => "b" };
  assert.equal(invoked(dispatch([a, b], "default", msg("foo", { version: "3.2" }))), b);
  assert.ok(rejected(dispatch([a, b], "default", msg("foo", { version: "3.5" }))) instanceof UnsupportedVersion);
});

test("dispatcher - legacy namespaces are accepted", () => {
  const ep = { target: { namespace: "new", legacyNamespaces: ["old", null] }, foo: () => 1 };
  assert.equal(invoked(dispatch([ep], "default", msg("foo", { namespace: "old" }))), ep);
  assert.equal(invoked(dispatch([ep], "default", msg("foo"))), ep);
});

test("dispatcher - matching endpoint without the method: NoSuchMethod; later endpoint with it wins", () => {
  const a = { bar: () => 1 };
  const b = { foo: () => 2 };
  assert.ok(rejected(dispatch([a], "default", msg("foo"))) instanceof NoSuchMethod);
  assert.equal(invoked(dispatch([a, b], "default", msg("foo"))), b);
});

test("dispatcher - access policies: private methods and explicit exposure", () => {
  const ep = { _priv: () => 1, pub: () => 2, shown: expose(() => 3) };
  assert.ok(rejected(dispatch([ep], "default", msg("_priv"))) instanceof NoSuchMethod);
  assert.equal(invoked(dispatch([ep], "default", msg("pub"))), ep);
  assert.equal(invoked(dispatch([ep], "legacy", msg("_priv"))), ep);
  assert.ok(rejected(dispatch([ep], "explicit", msg("pub"))) instanceof NoSuchMethod);
  assert.equal(invoked(dispatch([ep], "explicit", msg("shown"))), ep);
});

test("dispatcher - Object.prototype members, constructor and target are never callable", () => {
  class Svc {
    foo() {
      return 1;
    }
  }
  const ep = new Svc();
  assert.equal(invoked(dispatch([ep], "legacy", msg("foo"))), ep, "prototype methods are found");
  for (const m of ["toString", "hasOwnProperty", "constructor", "__proto__", "target", "valueOf"]) {
    assert.ok(rejected(dispatch([ep], "legacy", msg(m))) instanceof NoSuchMethod, m);
  }
});

test("dispatcher - a malformed message version is UnsupportedVersion, not a crash", () => {
  const ep = { foo: () => 1 };
  assert.ok(rejected(dispatch([ep], "default", msg("foo", { version: "banana" }))) instanceof UnsupportedVersion);
});

test("dispatcher - checkEndpoints: method named target, non-object target, bad version are TypeErrors", () => {
  assert.throws(() => checkEndpoints([{ target() {} }]), TypeError);
  assert.throws(() => checkEndpoints([{ target: 3 }]), TypeError);
  assert.throws(() => checkEndpoints([{ target: { version: "one" } }]), TypeError);
  assert.doesNotThrow(() => checkEndpoints([{ target: { version: "1.2", namespace: "x" } }, {}]));
});

test("dispatcher - a Dispatcher keeps no namespace or version string a peer chose at length (regression: fuzz)", () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const endpoint = { m: () => 1, target: { namespace: "ns" } };
  const d = new Dispatcher([endpoint], "default");
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const before = heap();
  for (let i = 0; i < 300; i++) {
    // Before the fix, each pair was remembered: 300 × (100 KB + 100 KB) stayed for the server's lifetime.
    const long = `${i}`.padEnd(100_000, "n");
    assert.ok(rejected(d.dispatch(msg("m", { namespace: long }))) instanceof UnsupportedVersion);
    assert.ok(rejected(d.dispatch(msg("m", { namespace: "ns", version: `1.${long.replace(/\D/g, "1")}` }))));
  }
  const grown = (heap() - before) / 1024 / 1024;
  assert.ok(grown < 8, `the dispatcher holds ${grown.toFixed(1)} MiB after 600 long strings`);
  assert.equal(invoked(d.dispatch(msg("m", { namespace: "ns", version: "1.0" }))) !== undefined, true);
});
