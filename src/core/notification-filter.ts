/**
 * NotificationFilter (oslo notify/filter.py, tag rocky-eol): an endpoint's `filterRule`,
 * which says which notifications the endpoint wants. Pure.
 *
 * Each field given must match, or the endpoint does not see the notification:
 * - publisherId, eventType: the notification's value must be a string matching the pattern;
 * - context, metadata: each key named must be present with a string value matching its
 *   pattern (metadata has the keys `messageId` and `timestamp`);
 * - payload: the same, nested objects in the filter descending into the payload.
 * A string pattern is a regular expression matched at the start of the value, as Python's
 * re.match does ("compute\\." matches "compute.instance.create"; add "$" to match whole);
 * a RegExp is used as given (its g and y flags dropped, so matching keeps no state).
 * A value that is not a string never matches (oslo: a mismatch).
 */
import { showValue, typeError } from "./validate.js";

export type Pattern = string | RegExp;

/** Patterns by key, nested objects matching nested payload objects. */
export interface PayloadFilter {
  [key: string]: Pattern | PayloadFilter;
}

export interface NotificationFilterSpec {
  publisherId?: Pattern;
  eventType?: Pattern;
  context?: Record<string, Pattern>;
  metadata?: Record<string, Pattern>;
  payload?: PayloadFilter;
}

/** What a filter looks at: one notification as an endpoint would receive it. */
export interface FilterSubject {
  ctx: unknown;
  publisherId: unknown;
  eventType: unknown;
  metadata: unknown;
  payload: unknown;
}

type Compiled = RegExp | { [key: string]: Compiled };

const FIELDS = ["publisherId", "eventType", "context", "metadata", "payload"] as const;

function compile(what: string, p: unknown, nested: boolean): Compiled {
  if (p instanceof RegExp) return new RegExp(p.source, p.flags.replace(/[gy]/g, ""));
  if (typeof p === "string") {
    try {
      return new RegExp(`^(?:${p})`);
    } catch (err) {
      throw new TypeError(`${what} must be a valid regular expression, got ${showValue(p)}`, { cause: err });
    }
  }
  if (nested && typeof p === "object" && p !== null && !Array.isArray(p)) {
    const out: { [key: string]: Compiled } = {};
    for (const [k, v] of Object.entries(p)) out[k] = compile(`${what}.${k}`, v, true);
    return out;
  }
  throw typeError(what, nested ? "a string, a RegExp or an object of them" : "a string or a RegExp", p);
}

function compileMap(what: string, v: unknown, nested: boolean): Compiled {
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof RegExp)
    throw typeError(what, "an object of patterns", v);
  const out: { [key: string]: Compiled } = {};
  for (const [k, p] of Object.entries(v)) out[k] = compile(`${what}.${k}`, p, nested);
  return out;
}

function matches(data: unknown, c: Compiled): boolean {
  if (c instanceof RegExp) return typeof data === "string" && c.test(data);
  if (typeof data !== "object" || data === null) return false;
  for (const k of Object.keys(c)) {
    if (!Object.hasOwn(data, k)) return false;
    if (!matches((data as Record<string, unknown>)[k], c[k]!)) return false;
  }
  return true;
}

export class NotificationFilter {
  private readonly rules: [keyof FilterSubject, Compiled][] = [];

  /** Throws TypeError for an unknown field, a pattern that is not a string or RegExp, or an invalid expression. */
  constructor(spec: NotificationFilterSpec) {
    if (typeof spec !== "object" || spec === null || Array.isArray(spec))
      throw typeError("NotificationFilter: spec", "an object", spec);
    for (const k of Object.keys(spec)) {
      if (!(FIELDS as readonly string[]).includes(k))
        throw new TypeError(
          `NotificationFilter: spec has no field ${JSON.stringify(k)} (fields: ${FIELDS.join(", ")})`,
        );
    }
    const what = (f: string): string => `NotificationFilter: spec.${f}`;
    if (spec.publisherId !== undefined)
      this.rules.push(["publisherId", compile(what("publisherId"), spec.publisherId, false)]);
    if (spec.eventType !== undefined) this.rules.push(["eventType", compile(what("eventType"), spec.eventType, false)]);
    if (spec.context !== undefined) this.rules.push(["ctx", compileMap(what("context"), spec.context, false)]);
    if (spec.metadata !== undefined) this.rules.push(["metadata", compileMap(what("metadata"), spec.metadata, false)]);
    if (spec.payload !== undefined) this.rules.push(["payload", compileMap(what("payload"), spec.payload, true)]);
  }

  /** Whether the endpoint carrying this filter wants the notification. */
  match(n: FilterSubject): boolean {
    for (const [field, rule] of this.rules) if (!matches(n[field], rule)) return false;
    return true;
  }
}
