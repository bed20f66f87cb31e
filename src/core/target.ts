/**
 * Target and topic naming: the one place where a target becomes a matchmaker key.
 *
 * Key scheme (spec/target.md):
 *   "<exchange>/<topic>"            every server listening on topic (round robin and fanout)
 *   "<exchange>/<topic>/<server>"   one named server
 * The exchange scopes topics: the same topic in two exchanges never collides (oslo's zmq
 * driver ignored the exchange). Components are percent-encoded so that a "/" inside a
 * topic or server name cannot forge another key.
 */
import { InvalidTarget } from "../errors.js";
import { showValue, typeError } from "./validate.js";

export interface Target {
  exchange?: string;
  topic?: string;
  namespace?: string | null;
  version?: string;
  server?: string;
  fanout?: boolean;
  legacyNamespaces?: (string | null)[];
}

/** Exchange used when a target leaves it unset (oslo: control_exchange). */
export const DEFAULT_EXCHANGE = "openstack";

const FIELDS = ["exchange", "topic", "namespace", "version", "server", "fanout", "legacyNamespaces"] as const;

/** Returns a copy of `base` with the defined fields of `overrides` applied (oslo: Target.__call__). */
export function overrideTarget(base: Target, overrides: Partial<Target>): Target {
  const out: Target = { ...base };
  for (const f of FIELDS) {
    if (Object.hasOwn(overrides, f) && overrides[f] !== undefined) {
      (out as Record<string, unknown>)[f] = overrides[f];
    }
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function part(s: string): string {
  if (typeof s !== "string" || LONE_SURROGATE.test(s))
    throw new InvalidTarget("Target names must be well-formed strings", s);
  return encodeURIComponent(s);
}

/** Key of all servers of the target's topic. */
export function topicKey(target: Target): string {
  if (!target.topic) throw new InvalidTarget("A topic is required", target);
  return `${part(target.exchange ?? DEFAULT_EXCHANGE)}/${part(target.topic)}`;
}

/** Key of one named server of the topic. */
export function serverKey(target: Target & { server: string }): string {
  return `${topicKey(target)}/${part(target.server)}`;
}

/**
 * Key a sender resolves: the server key when `server` is set and the target is not fanout,
 * else the topic key (a fanout ignores `server`, as oslo's target_to_key does).
 */
export function sendKey(target: Target): string {
  if (target.server && !target.fanout) return serverKey({ ...target, server: target.server });
  return topicKey(target);
}

/** Keys a listening server registers under: its topic key and its server key. */
export function listenKeys(target: Target): string[] {
  if (!target.topic || !target.server) {
    throw new InvalidTarget("A server's target must have topic and server names specified", target);
  }
  return [topicKey(target), serverKey({ ...target, server: target.server })];
}

/**
 * Notification keys (spec/notifications.md, "Discovery"). Every key starts with "notify:",
 * which topicKey never produces (":" is percent-encoded inside a part), so notifications
 * and RPC never share a key even when an RPC topic is named "notifications.info".
 *
 *   notifyPoolsKey(t, p)       "notify:<exchange>/<topic>.<priority>"   entries "<pool part>@<address>"
 *   notifyPoolKey(t, p, pool)  "notify:<exchange>/<topic>.<priority>/<pool part>"   entries addresses
 *
 * A pool part is a named pool percent-encoded, or ":" + an id for the private pool of a
 * listener without a pool name (never equal to a named pool's part, which has no ":").
 * One listing entry per member, so the pool stays listed while any member is registered.
 */
export function notifyPoolsKey(target: Target, priority: string): string {
  if (!target.topic) throw new InvalidTarget("A topic is required", target);
  return `notify:${part(target.exchange ?? DEFAULT_EXCHANGE)}/${part(`${target.topic}.${priority}`)}`;
}

export function notifyPoolKey(target: Target, priority: string, poolPart: string): string {
  return `${notifyPoolsKey(target, priority)}/${poolPart}`;
}

/** The key part of pool `pool`, or of the private pool `privateId` when no pool is named. */
export function poolPart(pool: string | undefined, privateId: string): string {
  return pool === undefined ? `:${privateId}` : part(pool);
}

/** A member's entry in a pool listing. */
export function poolEntry(poolPart: string, address: string): string {
  return `${poolPart}@${address}`;
}

/** The distinct pool parts of a pool listing, in the listing's order; entries without "@" are skipped. */
export function poolsOfListing(entries: readonly string[]): string[] {
  const pools = new Set<string>();
  for (const e of entries) {
    const at = e.indexOf("@");
    if (at > 0) pools.add(e.slice(0, at));
  }
  return [...pools];
}

/** Validates a target for sending. `call` may not fan out (oslo: InvalidTarget). */
export function checkSendTarget(target: Target, isCall: boolean): void {
  if (!target.topic) throw new InvalidTarget("A topic is required to send", target);
  if (isCall && target.fanout) throw new InvalidTarget("A call cannot be used with fanout", target);
}

/** Namespaces a server endpoint accepts: its namespace plus any legacy ones. */
export function acceptedNamespaces(target: Target): (string | null)[] {
  return [target.namespace ?? null, ...(target.legacyNamespaces ?? [])];
}

const STRING_FIELDS = ["exchange", "topic", "version", "server"] as const;

/**
 * Checks the shape of a caller's target (field types, no unknown field) and returns a copy.
 * What each operation needs on top (a topic to send, topic and server to listen) is checked
 * where it is needed: checkSendTarget, listenKeys.
 */
export function checkTarget(what: string, v: unknown): Target {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw typeError(what, "an object (a Target)", v);
  const t = v as Record<string, unknown>;
  for (const k of Object.keys(t)) {
    if (!(FIELDS as readonly string[]).includes(k))
      throw new InvalidTarget(`${what} has no field ${JSON.stringify(k)} (fields: ${FIELDS.join(", ")})`, v);
  }
  const bad = (field: string, expected: string): InvalidTarget =>
    new InvalidTarget(`${what}.${field} must be ${expected}, got ${showValue(t[field])}`, v);
  for (const f of STRING_FIELDS) if (t[f] !== undefined && typeof t[f] !== "string") throw bad(f, "a string");
  if (t.namespace !== undefined && t.namespace !== null && typeof t.namespace !== "string")
    throw bad("namespace", "a string or null");
  if (t.fanout !== undefined && typeof t.fanout !== "boolean") throw bad("fanout", "true or false");
  const legacy = t.legacyNamespaces;
  if (legacy !== undefined && !(Array.isArray(legacy) && legacy.every((n) => n === null || typeof n === "string")))
    throw bad("legacyNamespaces", "an array of strings or nulls");
  return { ...(t as Target) };
}
