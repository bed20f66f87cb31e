/**
 * Properties of the dispatcher over random endpoint tables and messages:
 * - an invoked endpoint matches the namespace and version, has the method, and the
 *   policy allows it; no earlier endpoint qualified (first match wins);
 * - NoSuchMethod iff some endpoint matches namespace and version but none qualifies;
 * - UnsupportedVersion iff no endpoint matches namespace and version;
 * - a server's Dispatcher (serving endpoints worked out once per namespace and version)
 *   decides every message as `dispatch` does, across repeats and beyond the number of
 *   pairs it remembers; methods added or replaced later are used.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  acceptedNamespaces,
  dispatch,
  Dispatcher,
  expose,
  findMethod,
  isAllowed,
  NoSuchMethod,
  UnsupportedVersion,
  versionIsCompatible,
  type AccessPolicy,
  type DispatchDecision,
  type Endpoint,
  type RpcMessage,
} from "../../src/internal.js";

const ns = fc.constantFrom<string | null>(null, "a", "b");
const ver = fc.constantFrom("1.0", "1.3", "1.5", "2.0", "2.1");
const methodName = fc.constantFrom("foo", "bar", "_priv");
const endpoint = fc
  .record({
    namespace: ns,
    version: fc.option(ver, { nil: undefined }),
    legacy: fc.array(ns, { maxLength: 2 }),
    methods: fc.uniqueArray(methodName, { maxLength: 3 }),
    exposed: fc.boolean(),
  })
  .map((e): Endpoint => {
    const o: Record<string, unknown> = {
      target: { namespace: e.namespace, legacyNamespaces: e.legacy, ...(e.version ? { version: e.version } : {}) },
    };
    for (const m of e.methods) o[m] = e.exposed ? expose(() => m) : () => m;
    return o as Endpoint;
  });

test("dispatcher property - first qualifying endpoint wins; NoSuchMethod vs UnsupportedVersion as oslo decides", () => {
  fc.assert(
    fc.property(
      fc.array(endpoint, { maxLength: 4 }),
      methodName,
      ns,
      fc.option(ver, { nil: undefined }),
      fc.constantFrom<AccessPolicy>("default", "legacy", "explicit"),
      (eps, method, namespace, version, policy) => {
        const m = { method, args: {}, namespace, ...(version ? { version } : {}) };
        const matches = (ep: Endpoint) =>
          acceptedNamespaces(ep.target ?? {}).includes(namespace) &&
          versionIsCompatible(ep.target?.version ?? "1.0", version ?? "1.0");
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
      },
    ),
  );
});

/** A decision as comparable data: which endpoint (index) and method, or which error. */
function describe(d: DispatchDecision, eps: readonly Endpoint[]): string {
  return d.kind === "invoke"
    ? `invoke ep${eps.indexOf(d.endpoint as Endpoint)} ${d.name} ${String((d.method as () => unknown)())}`
    : `reject ${d.error.name}: ${d.error.message}`;
}

test("dispatcher property - Dispatcher decides every message as dispatch does, across repeats and beyond its memory of pairs", () => {
  fc.assert(
    fc.property(
      fc.array(endpoint, { maxLength: 4 }),
      fc.constantFrom<AccessPolicy>("default", "legacy", "explicit"),
      fc.array(
        fc
          .tuple(
            methodName,
            ns,
            fc.option(fc.constantFrom("1.0", "1.3", "1.5", "2.0", "2.1", "3.x"), { nil: undefined }),
          )
          .map(
            ([method, namespace, version]): RpcMessage => ({
              method,
              args: {},
              namespace,
              ...(version ? { version } : {}),
            }),
          ),
        { minLength: 1, maxLength: 40 },
      ),
      (eps, policy, messages) => {
        const d = new Dispatcher(eps, policy);
        for (const m of [...messages, ...messages])
          assert.equal(describe(d.dispatch(m), eps), describe(dispatch(eps, policy, m), eps), JSON.stringify(m));
      },
    ),
    { numRuns: 300 },
  );
  // More distinct pairs than the dispatcher remembers: the ones it does not remember are worked out every time.
  const eps = [{ foo: () => "foo" } as object as Endpoint];
  const d = new Dispatcher(eps, "default");
  for (let i = 0; i < 600; i++) {
    const m: RpcMessage = { method: "foo", args: {}, namespace: i % 2 === 0 ? null : `ns${i}`, version: `1.${i}` };
    assert.equal(describe(d.dispatch(m), eps), describe(dispatch(eps, "default", m), eps));
  }
});

test("dispatcher property - a method added or replaced after the first dispatch is used (methods are looked up per request)", () => {
  const ep: Record<string, unknown> = { foo: () => "old" };
  const d = new Dispatcher([ep as Endpoint], "default");
  const m: RpcMessage = { method: "foo", args: {} };
  assert.equal(describe(d.dispatch(m), [ep as Endpoint]), "invoke ep0 foo old");
  ep.foo = () => "new";
  assert.equal(describe(d.dispatch(m), [ep as Endpoint]), "invoke ep0 foo new");
  assert.match(describe(d.dispatch({ method: "bar", args: {} }), [ep as Endpoint]), /^reject NoSuchMethod/);
  ep.bar = () => "bar";
  assert.equal(describe(d.dispatch({ method: "bar", args: {} }), [ep as Endpoint]), "invoke ep0 bar bar");
});
