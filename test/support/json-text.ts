/**
 * fast-check arbitraries of JSON *text* for the fuzz tests (hostile-frames.ts,
 * hostile-replies.ts): text rather than values, so that what a peer can write and
 * JSON.stringify never does is in reach — duplicate keys, own "__proto__" keys, number
 * literals beyond a double ("1e400" parses to Infinity), lone surrogates, deep nesting.
 * The receiver's view of a text is JSON.parse of it (frame-oracle.ts).
 */
import fc from "fast-check";

/** Keys that name something on Object.prototype, or that the driver reserves. */
export const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__defineGetter__",
  "isPrototypeOf",
  "then",
  "_zmq",
  "",
] as const;

/** Number literals at and beyond the edges of a double, and integers no double holds exactly. */
export const EDGE_NUMBERS = [
  "1e400",
  "-1e400",
  "1e-400",
  "-0",
  "0.1e309",
  "1.7976931348623157e308",
  "4.9e-324",
  "9007199254740993",
  "123456789012345678901234567890",
  "-123456789012345678901234567890.5e-3",
] as const;

const quote = (s: string): string => JSON.stringify(s);

/** A JSON string literal: ordinary, unicode beyond the BMP, control characters, a lone surrogate (escaped), long. */
export const stringText: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom("\ud800", "\udfff", "\u0000", "\u2028", "é\u0301", "🚀") },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((n) => "x".repeat(n)) },
  )
  .map(quote);

export const keyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }).map(quote) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_KEYS).map(quote) },
);

export const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.integer().map(String) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
);

const leafText = fc.oneof(numberText, stringText, fc.constantFrom("true", "false", "null"));

/** `{k: v, ...}` from entries: keys may repeat (the last one wins in JSON.parse). */
export function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${k}:${v}`).join(",")}}`;
}

/** Any JSON value as text, a few levels deep, with hostile keys, duplicate keys and edge numbers. */
export const valueText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafText,
    fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
    fc.array(fc.tuple(keyText, tie("value")), { maxLength: 4 }).map(objectText),
  ),
})).value;

/** An object as text (what context and args must be). */
export const objectValueText: fc.Arbitrary<string> = fc
  .array(fc.tuple(keyText, valueText), { maxLength: 5 })
  .map(objectText);

/** `depth` levels of nesting around `inner` (arrays, or objects under key "d"), built without recursion. */
export function nestedText(depth: number, inner: string, kind: "array" | "object"): string {
  const [open, close] = kind === "array" ? ["[", "]"] : ['{"d":', "}"];
  return open.repeat(depth) + inner + close.repeat(depth);
}

/** Prototype-pollution attempts, as they would sit in a context, args or a message. */
export const POLLUTION_ENTRIES: readonly (readonly [string, string])[] = [
  ['"__proto__"', '{"polluted":1}'],
  ['"constructor"', '{"prototype":{"polluted":1}}'],
  ['"__proto__"', '{"__proto__":{"polluted":1}}'],
  ['"prototype"', '{"polluted":1}'],
];
