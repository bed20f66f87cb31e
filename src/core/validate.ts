/**
 * Checks of what a caller hands the driver: public API arguments and every option. One
 * error shape everywhere — `<what> must be <expected>, got <value>` — as a TypeError when
 * the value has the wrong type and a RangeError when it has the right type but is out of
 * range. `what` names the argument from the caller's side (`DriverOptions.pool.maxSockets`,
 * `RpcClient.call: args`), so the message alone says what to fix.
 *
 * Pure functions: no I/O, usable from every layer (spec/api.md, "Bad input").
 */

const SHOWN_CHARS = 60;

/** A short, safe rendering of any value for an error message; never throws. */
export function showValue(v: unknown): string {
  try {
    switch (typeof v) {
      case "string": {
        const s = JSON.stringify(v);
        return s.length > SHOWN_CHARS ? `${s.slice(0, SHOWN_CHARS)}…" (a string of ${v.length} characters)` : s;
      }
      case "number":
        return Object.is(v, -0) ? "-0" : String(v);
      case "bigint":
        return `${v}n (a bigint)`;
      case "boolean":
      case "undefined":
        return String(v);
      case "symbol":
        return `${v.description === undefined ? "a symbol" : `Symbol(${v.description})`} (a symbol)`;
      case "function":
        return "a function";
    }
    if (v === null) return "null";
    if (Array.isArray(v)) return `an array of ${v.length}`;
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === null || proto === Object.prototype) return "an object";
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" ? `an instance of ${name}` : "an object";
  } catch {
    return "a value that cannot be inspected";
  }
}

export function typeError(what: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${what} must be ${expected}, got ${showValue(got)}`);
}

export function rangeError(what: string, expected: string, got: unknown): RangeError {
  return new RangeError(`${what} must be ${expected}, got ${showValue(got)}`);
}

/** An integer >= min (counts: sockets, messages, bytes, retries). */
export function integerAtLeast(what: string, v: unknown, min: number): number {
  if (typeof v !== "number") throw typeError(what, `an integer >= ${min}`, v);
  if (!Number.isInteger(v) || v < min) throw rangeError(what, `an integer >= ${min}`, v);
  return v;
}

/** A finite number >= min (durations in milliseconds). */
export function finiteAtLeast(what: string, v: unknown, min: number): number {
  if (typeof v !== "number") throw typeError(what, `a finite number >= ${min}`, v);
  if (!Number.isFinite(v) || v < min) throw rangeError(what, `a finite number >= ${min}`, v);
  return v;
}

/** A finite number > 0 (periods that must advance: refresh, poll intervals). */
export function finitePositive(what: string, v: unknown): number {
  if (typeof v !== "number") throw typeError(what, "a finite number > 0", v);
  if (!Number.isFinite(v) || v <= 0) throw rangeError(what, "a finite number > 0", v);
  return v;
}

export function string(what: string, v: unknown, opts: { nonEmpty?: boolean } = {}): string {
  const expected = opts.nonEmpty ? "a non-empty string" : "a string";
  if (typeof v !== "string") throw typeError(what, expected, v);
  if (opts.nonEmpty && v === "") throw rangeError(what, expected, v);
  return v;
}

export function boolean(what: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw typeError(what, "true or false", v);
  return v;
}

export function oneOf<T extends string>(what: string, v: unknown, values: readonly T[]): T {
  const expected = values.map((x) => JSON.stringify(x)).join(" or ");
  if (typeof v !== "string") throw typeError(what, expected, v);
  if (!(values as readonly string[]).includes(v)) throw rangeError(what, expected, v);
  return v as T;
}

/** An object whose prototype is Object.prototype or null: what JSON and oslo's dicts carry. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function plainObject(what: string, v: unknown, expected = "a plain object"): Record<string, unknown> {
  if (!isPlainObject(v)) throw typeError(what, expected, v);
  return v;
}

/** An object (plain or not, not an array) whose fields are read one by one, such as an options bag. */
export function optionsObject(what: string, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw typeError(what, "an object", v);
  return v as Record<string, unknown>;
}

/** Refuses keys outside `known` (a misspelt option would otherwise be ignored silently). */
export function knownKeys(what: string, v: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (!known.includes(k))
      throw new RangeError(`${what} has no option ${JSON.stringify(k)}; known: ${known.join(", ")}`);
  }
}

/** An object with each of `methods` as a function (ports, serializers, matchmakers). */
export function withMethods(what: string, v: unknown, methods: readonly string[]): void {
  const expected = `an object with methods ${methods.join(", ")}`;
  if ((typeof v !== "object" && typeof v !== "function") || v === null) throw typeError(what, expected, v);
  for (const m of methods) {
    if (typeof (v as Record<string, unknown>)[m] !== "function")
      throw typeError(`${what}.${m}`, "a function", (v as Record<string, unknown>)[m]);
  }
}
