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
import { typeError } from "./validate.js";
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
export function checkEndpoints(endpoints: unknown): asserts endpoints is readonly object[] {
  if (!Array.isArray(endpoints)) throw typeError("getRpcServer: endpoints", "an array of objects", endpoints);
  // Array.from: a hole of a sparse array is checked as undefined (forEach skips holes).
  Array.from(endpoints).forEach((ep: unknown, i) => {
    const what = `getRpcServer: endpoints[${i}]`;
    if (typeof ep !== "object" || ep === null || Array.isArray(ep)) throw typeError(what, "an object", ep);
    const t = (ep as { target?: unknown }).target;
    if (typeof t === "function")
      throw typeError(`${what}.target`, "an object ('target' is reserved for the endpoint target, not a method)", t);
    if (t === undefined) return;
    if (typeof t !== "object" || t === null) throw typeError(`${what}.target`, "an object", t);
    const { namespace, version, legacyNamespaces } = t as Record<string, unknown>;
    if (namespace !== undefined && namespace !== null && typeof namespace !== "string")
      throw typeError(`${what}.target.namespace`, "a string or null", namespace);
    if (version !== undefined && (typeof version !== "string" || !isValidVersion(version)))
      throw typeError(`${what}.target.version`, 'a version "major.minor"', version);
    if (
      legacyNamespaces !== undefined &&
      !(Array.isArray(legacyNamespaces) && legacyNamespaces.every((n) => n === null || typeof n === "string"))
    )
      throw typeError(`${what}.target.legacyNamespaces`, "an array of strings or nulls", legacyNamespaces);
  });
}

export type DispatchDecision =
  | { kind: "invoke"; endpoint: object; method: EndpointMethod; name: string }
  | { kind: "reject"; error: NoSuchMethod | UnsupportedVersion };

export function dispatch(endpoints: readonly Endpoint[], policy: AccessPolicy, message: RpcMessage): DispatchDecision {
  const version = message.version ?? "1.0";
  return pickMethod(servingEndpoints(endpoints, message.namespace ?? null, version), policy, message.method, version);
}

/** The endpoints whose target accepts `namespace` and can serve `version`, in order. */
function servingEndpoints(
  endpoints: readonly Endpoint[],
  namespace: string | null,
  version: string,
): readonly Endpoint[] {
  if (!isValidVersion(version)) return [];
  return endpoints.filter((ep) => {
    const t = ep.target ?? {};
    return acceptedNamespaces(t).includes(namespace) && versionIsCompatible(t.version ?? "1.0", version);
  });
}

/** The first serving endpoint with an allowed method `name` (looked up now, so methods replaced later are seen). */
function pickMethod(
  serving: readonly Endpoint[],
  policy: AccessPolicy,
  name: string,
  version: string,
): DispatchDecision {
  for (const ep of serving) {
    const fn = findMethod(ep, name);
    if (fn && isAllowed(policy, name, fn)) return { kind: "invoke", endpoint: ep, method: fn, name };
  }
  if (serving.length > 0) return { kind: "reject", error: new NoSuchMethod(name) };
  return { kind: "reject", error: new UnsupportedVersion(version, name) };
}

/** Distinct (namespace, version) pairs a Dispatcher remembers; peers choose them, so the memory is bounded. */
const MAX_REMEMBERED_PAIRS = 256;
/**
 * Longest version string a Dispatcher remembers. Peers choose the strings too: before this
 * bound, 256 requests with a namespace or version of a megabyte each stayed in the
 * dispatcher's memory for the server's lifetime (found by test/acceptance/fuzz-server.test.ts).
 */
const MAX_REMEMBERED_VERSION_CHARS = 64;

/**
 * `dispatch` for one server, with the namespace and version matching done once per
 * (namespace, version) pair instead of on every request: endpoint targets are read when a
 * pair is first seen (they are fixed once the server is built); methods are still looked
 * up on every request. Same decisions as `dispatch` (test/unit/dispatcher.test.ts). Saves
 * about 0.5 µs a request with one endpoint (0.7 µs down to 0.2 µs, Node 20, microbenchmark).
 */
export class Dispatcher {
  private readonly serving = new Map<string | null, Map<string, readonly Endpoint[]>>();
  private remembered = 0;
  /** Every namespace some endpoint accepts: a request in any other is served by none (nothing to remember). */
  private readonly namespaces: ReadonlySet<string | null>;

  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly policy: AccessPolicy,
  ) {
    this.namespaces = new Set(endpoints.flatMap((ep) => acceptedNamespaces(ep.target ?? {})));
  }

  dispatch(message: RpcMessage): DispatchDecision {
    const namespace = message.namespace ?? null;
    const version = message.version ?? "1.0";
    if (!this.namespaces.has(namespace)) return pickMethod([], this.policy, message.method, version);
    let byVersion = this.serving.get(namespace);
    let eps = byVersion?.get(version);
    if (eps === undefined) {
      eps = servingEndpoints(this.endpoints, namespace, version);
      if (this.remembered < MAX_REMEMBERED_PAIRS && version.length <= MAX_REMEMBERED_VERSION_CHARS) {
        if (byVersion === undefined) {
          byVersion = new Map();
          this.serving.set(namespace, byVersion);
        }
        byVersion.set(version, eps);
        this.remembered++;
      }
    }
    return pickMethod(eps, this.policy, message.method, version);
  }
}
