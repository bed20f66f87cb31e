/**
 * RPC dispatcher: decides which endpoint method serves an incoming message, exactly as
 * oslo.messaging's RPCDispatcher does, without calling it (the server shell invokes).
 *
 * For each endpoint in order: its target is `endpoint.target` or the default target
 * (namespace null, version "1.0"). The endpoint is a candidate when the message namespace
 * is among the target's accepted namespaces and the target version can serve the message
 * version. The first candidate that has the method, and whose access policy allows it,
 * wins. If some candidate matched but none had an allowed method -> NoSuchMethod; if no
 * endpoint matched namespace and version -> UnsupportedVersion.
 */
import { NoSuchMethod, UnsupportedVersion } from "../errors.js";
import type { RpcMessage } from "./codec.js";
import { acceptedNamespaces, type Target } from "./target.js";
import { isValidVersion, versionIsCompatible } from "./version.js";

export type AccessPolicy = "default" | "legacy" | "explicit";

/** Endpoint method signature: (ctx, args) => result | Promise<result>. */
export type EndpointMethod = (ctx: Record<string, unknown>, args: Record<string, unknown>) => unknown;

export type Endpoint = object & { target?: Pick<Target, "namespace" | "version" | "legacyNamespaces"> };

const EXPOSED = Symbol.for("zmq-rpc.exposed");

/** Marks a method as callable under the "explicit" access policy (oslo: @expose). */
export function expose<F extends EndpointMethod>(fn: F): F {
  (fn as unknown as Record<symbol, boolean>)[EXPOSED] = true;
  return fn;
}

/** Finds a function named `name` on the endpoint or its prototypes, never on Object.prototype. */
export function findMethod(endpoint: object, name: string): EndpointMethod | undefined {
  if (name === "constructor" || name === "target") return undefined;
  let o: object | null = endpoint;
  while (o !== null && o !== Object.prototype) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return typeof d.value === "function" ? (d.value as EndpointMethod) : undefined;
    o = Object.getPrototypeOf(o) as object | null;
  }
  return undefined;
}

export function isAllowed(policy: AccessPolicy, name: string, fn: EndpointMethod): boolean {
  switch (policy) {
    case "legacy":
      return true;
    case "default":
      return !name.startsWith("_");
    case "explicit":
      return (fn as unknown as Record<symbol, unknown>)[EXPOSED] === true;
  }
}

/**
 * Validates endpoints at server construction (oslo: a *method* named `target` is a
 * TypeError, since `target` is reserved for the endpoint's namespace/version).
 */
export function checkEndpoints(endpoints: readonly object[]): void {
  endpoints.forEach((ep, i) => {
    if (typeof ep !== "object" || ep === null) throw new TypeError(`endpoint ${i} is not an object`);
    const t = (ep as { target?: unknown }).target;
    if (typeof t === "function") throw new TypeError(`endpoint ${i}: 'target' is reserved for the endpoint target and must not be a method`);
    if (t !== undefined && (typeof t !== "object" || t === null)) throw new TypeError(`endpoint ${i}: 'target' must be an object`);
    const v = (t as { version?: unknown } | undefined)?.version;
    if (v !== undefined && (typeof v !== "string" || !isValidVersion(v))) throw new TypeError(`endpoint ${i}: target.version ${String(v)} is not "major.minor"`);
  });
}

export type DispatchDecision =
  | { kind: "invoke"; endpoint: object; method: EndpointMethod; name: string }
  | { kind: "reject"; error: NoSuchMethod | UnsupportedVersion };

export function dispatch(endpoints: readonly Endpoint[], policy: AccessPolicy, message: RpcMessage): DispatchDecision {
  const namespace = message.namespace ?? null;
  const version = message.version ?? "1.0";
  const versionOk = isValidVersion(version);
  let matched = false;
  for (const ep of endpoints) {
    const t = ep.target ?? {};
    if (!acceptedNamespaces(t).includes(namespace)) continue;
    if (!versionOk || !versionIsCompatible(t.version ?? "1.0", version)) continue;
    matched = true;
    const fn = findMethod(ep, message.method);
    if (fn && isAllowed(policy, message.method, fn)) return { kind: "invoke", endpoint: ep, method: fn, name: message.method };
  }
  if (matched) return { kind: "reject", error: new NoSuchMethod(message.method) };
  return { kind: "reject", error: new UnsupportedVersion(version, message.method) };
}
