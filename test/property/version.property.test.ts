/**
 * Properties of oslo's version compatibility rule (impl serves req iff same major and
 * impl's (minor, revision) >= req's) and of the client's version cap.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isValidVersion, parseVersion, versionAllowedByCap, versionIsCompatible } from "../../src/internal.js";

const v = fc.tuple(fc.nat(5), fc.nat(9), fc.nat(3)).map(([a, b, c]) => (c === 0 ? `${a}.${b}` : `${a}.${b}.${c}`));

test("version - examples from oslo: 1.5 serves 1.2, not 1.6 or 2.0; 3.4 serves 3.2", () => {
  assert.equal(versionIsCompatible("1.5", "1.2"), true);
  assert.equal(versionIsCompatible("1.5", "1.6"), false);
  assert.equal(versionIsCompatible("1.5", "2.0"), false);
  assert.equal(versionIsCompatible("3.4", "3.2"), true);
  assert.equal(versionIsCompatible("1.5.1", "1.5.2"), false);
  assert.equal(versionIsCompatible("1.5", "1.5.0"), true);
});

test("version - malformed versions are rejected", () => {
  for (const bad of ["1", "1.x", "a.b", "1.2.3.4", "", " 1.2", "01.2"]) assert.equal(isValidVersion(bad), false, bad);
  assert.throws(() => parseVersion("1"));
});

test("version property - compatible iff same major and (minor, revision) not lower", () => {
  fc.assert(
    fc.property(v, v, (impl, req) => {
      const a = parseVersion(impl);
      const b = parseVersion(req);
      const expected = a.major === b.major && (a.minor > b.minor || (a.minor === b.minor && a.revision >= b.revision));
      assert.equal(versionIsCompatible(impl, req), expected);
    }),
  );
});

test("version property - compatibility is reflexive and transitive", () => {
  fc.assert(
    fc.property(v, v, v, (x, y, z) => {
      assert.ok(versionIsCompatible(x, x));
      if (versionIsCompatible(x, y) && versionIsCompatible(y, z)) assert.ok(versionIsCompatible(x, z));
    }),
  );
});

test("version property - no cap allows everything; a cap refuses a missing version", () => {
  fc.assert(fc.property(fc.option(v, { nil: undefined }), (ver) => assert.ok(versionAllowedByCap(null, ver))));
  fc.assert(fc.property(v, (cap) => assert.equal(versionAllowedByCap(cap, undefined), false)));
});
