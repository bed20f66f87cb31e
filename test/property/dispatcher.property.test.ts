/**
 * Properties of the dispatcher over random endpoint tables and messages:
 * - an invoked endpoint matches the namespace and version, has the method, and the
 *   policy allows it; no earlier endpoint qualified (first match wins);
 * - NoSuchMethod iff some endpoint matches namespace and version but none qualifies;
 * - UnsupportedVersion iff no endpoint matches namespace and version.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { acceptedNamespaces, dispatch, expose, findMethod, isAllowed, NoSuchMethod, UnsupportedVersion, versionIsCompatible, type AccessPolicy, type Endpoint } from "../../src/internal.js";

const ns = fc.constantFrom<string | null>(null, "a", "b");
const ver = fc.constantFrom("1.0", "1.3", "1.5", "2.0", "2.1");
const methodName = fc.constantFrom("foo", "bar", "_priv");
const endpoint = fc.record({
  namespace: ns, version: fc.option(ver, { nil: undefined }), legacy: fc.array(ns, { maxLength: 2 }),
  methods: fc.uniqueArray(methodName, { maxLength: 3 }), exposed: fc.boolean(),
}).map((e): Endpoint => {
  const o: Record<string, unknown> = { target: { namespace: e.namespace, legacyNamespaces: e.legacy, ...(e.version ? { version: e.version } : {}) } };
  for (const m of e.methods) o[m] = e.exposed ? expose(() => m) : () => m;
  return o as Endpoint;
});

test("dispatcher property - first qualifying endpoint wins; NoSuchMethod vs UnsupportedVersion as oslo decides", () => {
  fc.assert(fc.property(
    fc.array(endpoint, { maxLength: 4 }), methodName, ns, fc.option(ver, { nil: undefined }), fc.constantFrom<AccessPolicy>("default", "legacy", "explicit"),
    (eps, method, namespace, version, policy) => {
      const m = { method, args: {}, namespace, ...(version ? { version } : {}) };
      const matches = (ep: Endpoint) => acceptedNamespaces(ep.target ?? {}).includes(namespace) && versionIsCompatible(ep.target?.version ?? "1.0", version ?? "1.0");
      const qualifies = (ep: Endpoint) => {
        const fn = findMethod(ep, method);
        return matches(ep) && fn !== undefined && isAllowed(policy, method, fn);
      };
      const d = dispatch(eps, policy, m);
      const first = eps.find(qualifies);
      if (first) {
        assert.equal(d.kind, "invoke");
        assert.equal(d.kind === "invoke" && d.endpoint, first);
      } else if (eps.some(matches)) {
        assert.ok(d.kind === "reject" && d.error instanceof NoSuchMethod);
      } else {
        assert.ok(d.kind === "reject" && d.error instanceof UnsupportedVersion);
      }
    }));
});
