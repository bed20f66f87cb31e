/**
 * fast-check arbitraries of what a hostile server can answer a client's request with:
 * reply and ACK frames as a DEALER reads them (spec/codec.md, "Reply frames", "ACK
 * frames"), well formed — success, failures of every class, bodies with hostile keys and
 * edge numbers — and mutated in every way the codec has a rule for. An answer names the
 * request it answers, another request the server saw (a client's message ids are not
 * secret from its servers), or an id nobody used. frame-oracle.ts says what the client
 * must make of each.
 */
import fc from "fast-check";
import { HOSTILE_KEYS, nestedText, valueText } from "./json-text.js";

export const ANSWER_CATEGORIES = [
  "success",
  "failure",
  "hostile-failure",
  "pollution",
  "ack",
  "truncated",
  "extra-frames",
  "wrong-version",
  "bad-type",
  "bad-delimiter",
  "not-json",
  "bad-shape",
  "deep-json",
  "oversized-payload",
  "random-multipart",
  "many-frames",
] as const;
export type AnswerCategory = (typeof ANSWER_CATEGORIES)[number];

/** Which request an answer names: the one it answers, an earlier one the server saw, or none. */
export type IdMode = "own" | "other" | "unknown";

export interface FuzzAnswer {
  category: AnswerCategory;
  idMode: IdMode;
  /** The five frames a DEALER reads (the server prefixes the peer id), for the id the harness picks. */
  frames(id: Buffer): Buffer[];
}

const B = (s: string): Buffer => Buffer.from(s);
const quote = (s: string): string => JSON.stringify(s);

const reply =
  (payload: string | Buffer, type = "5") =>
  (id: Buffer) => [B(""), B("1.0"), B(type), id, typeof payload === "string" ? B(payload) : payload];

/** Failures in oslo's layout: built-in, oslo and registered classes (the client registers AppError, Broken, NotAnError). */
const failureObject = fc
  .record({
    class: fc.constantFrom(
      "RangeError",
      "TypeError",
      "NoSuchMethod",
      "UnsupportedVersion",
      "AppError",
      "Broken",
      "NotAnError",
      "ValueError",
      ...HOSTILE_KEYS,
    ),
    module: fc.constantFrom("builtins", "oslo_messaging", "app", "__proto__"),
    message: fc.string({ maxLength: 20 }),
    tb: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
    args: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }),
    kwargs: fc.dictionary(
      fc.constantFrom("code", "stack", "message", "name", "cause", "extra"),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  })
  .map((f) => JSON.stringify(f));

/** Failures no well-behaved peer writes: not JSON, fields missing or of the wrong type, pollution in kwargs. */
const hostileFailure = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    "",
    "null",
    "[]",
    "{}",
    '{"class":5,"message":"m"}',
    '{"class":"RangeError","message":{"toString":"x"},"module":"builtins"}',
    '{"class":"RangeError","module":"builtins","message":"m","tb":["a",{"toString":"x"},5]}',
    '{"class":"AppError","module":"app","message":"m","kwargs":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}',
    '{"class":"NoSuchMethod","module":"oslo_messaging","message":"m","args":[{"a":1}],"kwargs":[]}',
    '{"class":"UnsupportedVersion","module":"oslo_messaging","message":"m","args":[1e400,null]}',
    `{"class":"RangeError","module":"builtins","message":"m","tb":${JSON.stringify(Array.from({ length: 2000 }, (_, i) => `line ${i}`))}}`,
  ),
);

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u));

const answerFrames = (limits: { maxPayloadBytes: number; maxDepth: number }) => {
  const tag = (category: AnswerCategory, weight: number, make: fc.Arbitrary<(id: Buffer) => Buffer[]>) => ({
    weight,
    arbitrary: make.map((frames) => ({ category, frames })),
  });
  const success = valueText.map((body) => reply(`[${body},null]`));
  const mutate = (f: (frames: Buffer[]) => Buffer[]) => success.map((make) => (id: Buffer) => f(make(id)));
  return fc.oneof(
    tag("success", 20, success),
    tag(
      "failure",
      6,
      fc.tuple(valueText, failureObject).map(([b, f]) => reply(`[${b},${quote(f)}]`)),
    ),
    tag(
      "hostile-failure",
      4,
      hostileFailure.map((f) => reply(`[null,${quote(f)}]`)),
    ),
    tag(
      "pollution",
      3,
      fc
        .constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}')
        .map((b) => reply(`[${b},null]`)),
    ),
    tag(
      "ack",
      3,
      fc.constant((id: Buffer) => [B(""), B("1.0"), B("6"), id, B("")]),
    ),
    tag(
      "truncated",
      3,
      fc
        .tuple(fc.nat(4), fc.nat())
        .chain(([keep, at]) =>
          mutate((f) =>
            keep === 4 ? [...f.slice(0, 4), f[4]!.subarray(0, at % f[4]!.length)] : f.slice(0, Math.max(1, keep)),
          ),
        ),
    ),
    tag(
      "extra-frames",
      2,
      bytes(8).chain((x) => mutate((f) => [...f, x])),
    ),
    tag(
      "wrong-version",
      2,
      fc.constantFrom("", "1.1", "2.0", "1.00").chain((v) => mutate((f) => f.map((x, i) => (i === 1 ? B(v) : x)))),
    ),
    tag(
      "bad-type",
      2,
      fc.constantFrom("1", "4", "7", "55", "", "6 ").chain((t) => mutate((f) => f.map((x, i) => (i === 2 ? B(t) : x)))),
    ),
    tag(
      "bad-delimiter",
      1,
      mutate((f) => [B("x"), ...f.slice(1)]),
    ),
    tag(
      "not-json",
      2,
      fc.constantFrom("[1,null", "NaN", "[1,null]]", "{}").map((p) => reply(p)),
    ),
    tag(
      "bad-shape",
      2,
      fc.constantFrom("[]", "[1]", "[1,null,2]", "[1,5]", "[1,{}]", "null").map((p) => reply(p)),
    ),
    tag(
      "deep-json",
      1,
      fc
        .constantFrom(limits.maxDepth - 2, limits.maxDepth, 50_000)
        .map((d) => reply(`[${nestedText(d, "0", "array")},null]`)),
    ),
    tag(
      "oversized-payload",
      1,
      fc.integer({ min: 1, max: 4096 }).map((over) => reply(`["${"o".repeat(limits.maxPayloadBytes + over)}",null]`)),
    ),
    tag(
      "random-multipart",
      2,
      fc.array(bytes(16), { minLength: 1, maxLength: 7 }).map((f) => () => f),
    ),
    tag(
      "many-frames",
      1,
      fc.integer({ min: 500, max: 3000 }).map((n) => () => Array.from({ length: n }, () => B(""))),
    ),
  );
};

/** One hostile answer: what it says and which request it names. */
export function hostileAnswer(limits: { maxPayloadBytes: number; maxDepth: number }): fc.Arbitrary<FuzzAnswer> {
  return fc
    .tuple(answerFrames(limits), fc.constantFrom<IdMode>("own", "own", "own", "own", "own", "other", "unknown"))
    .map(([a, idMode]) => ({ category: a.category, idMode, frames: a.frames }));
}
