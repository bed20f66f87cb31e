/**
 * fast-check arbitraries of request payloads for hostile-frames.ts: the context and
 * message entries of a well-formed RPC request (as JSON text, json-text.ts), and the
 * variants a hostile peer writes into them — method names that are not the endpoint's,
 * prototype-pollution keys, numbers beyond a double, duplicate keys, deep nesting, RPC
 * messages and "_zmq" objects of the wrong shape.
 */
import fc from "fast-check";
import {
  EDGE_NUMBERS,
  keyText,
  nestedText,
  objectText,
  objectValueText,
  POLLUTION_ENTRIES,
  valueText,
} from "./json-text.js";

const quote = (s: string): string => JSON.stringify(s);
const FAR_FUTURE = 4_102_444_800_000; // 2100-01-01, epoch ms

/** Method names that are not the endpoint's own: Object.prototype members, private and reserved names, look-alikes. */
export const HOSTILE_METHODS = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "__defineGetter__",
  "__lookupSetter__",
  "propertyIsEnumerable",
  "toLocaleString",
  "then",
  "target",
  "_secret",
  "_",
  "echo ",
  " echo",
  "ECHO",
  "echo\u0000",
  "ech\u00f6",
  "\ud800",
  "🚀",
  "x".repeat(10_000),
] as const;

const methodArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant("echo") },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_METHODS) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 10 }) },
);

/** A well-formed "_zmq" object: a far deadline, a past one or none; ack or not. */
const goodMetaText = fc
  .record({
    deadline: fc.option(fc.constantFrom(String(FAR_FUTURE), "1e308", "1", "0", "-5"), { nil: undefined }),
    ack: fc.option(fc.constantFrom("true", "false"), { nil: undefined }),
    requeues: fc.option(fc.constantFrom("0", "3"), { nil: undefined }),
  })
  .map((m) =>
    objectText(
      Object.entries(m)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [quote(k), v as string]),
    ),
  );

export interface Parts {
  ctx: (readonly [string, string])[];
  msg: (readonly [string, string])[];
}

/** Context and message entries of a well-formed RPC request. */
export const partsArb: fc.Arbitrary<Parts> = fc
  .record({
    ctx: fc.array(
      fc.tuple(
        keyText.filter((k) => k !== '"_zmq"'),
        valueText,
      ),
      { maxLength: 3 },
    ),
    meta: fc.option(goodMetaText, { nil: undefined }),
    method: methodArb,
    args: objectValueText,
    namespace: fc.option(fc.constantFrom("null", '"other"'), { nil: undefined }),
    version: fc.option(fc.constantFrom('"1.0"', '"1.0.0"', '"1.1"', '"2.0"', '"01.0"', '"x"'), { nil: undefined }),
    extra: fc.array(fc.tuple(fc.constantFrom('"extra"', '"kwargs"', '"retry"'), valueText), { maxLength: 2 }),
  })
  .map((r) => ({
    ctx: r.meta === undefined ? r.ctx : [...r.ctx, ['"_zmq"', r.meta] as const],
    msg: [
      ['"method"', quote(r.method)] as const,
      ['"args"', r.args] as const,
      ...(r.namespace === undefined ? [] : [['"namespace"', r.namespace] as const]),
      ...(r.version === undefined ? [] : [['"version"', r.version] as const]),
      ...r.extra,
    ],
  }));

export const payloadOf = (p: Parts): string => `[${objectText(p.ctx)},${objectText(p.msg)}]`;

/** Replaces the entry `key` of `entries` (or adds it). */
function withEntry(entries: Parts["ctx"], key: string, value: string): Parts["ctx"] {
  return [...entries.filter(([k]) => k !== key), [key, value]];
}

export const hostileMethod = fc
  .tuple(partsArb, fc.constantFrom(...HOSTILE_METHODS))
  .map(([p, m]) => ({ ...p, msg: withEntry(p.msg, '"method"', quote(m)) }));

export const pollution = fc
  .tuple(partsArb, fc.constantFrom(...POLLUTION_ENTRIES), fc.constantFrom("ctx", "args", "msg", "meta"))
  .map(([p, entry, where]): Parts => {
    if (where === "ctx") return { ...p, ctx: [...p.ctx, entry] };
    if (where === "msg") return { ...p, msg: [...p.msg, entry] };
    if (where === "meta") return { ...p, ctx: withEntry(p.ctx, '"_zmq"', objectText([entry])) };
    return { ...p, msg: withEntry(p.msg, '"args"', objectText([entry, ['"n"', "1"]])) };
  });

export const hugeNumbers = fc
  .tuple(partsArb, fc.array(fc.tuple(keyText, fc.constantFrom(...EDGE_NUMBERS)), { minLength: 1, maxLength: 3 }))
  .chain(([p, nums]) =>
    fc.constantFrom<Parts>(
      { ...p, msg: withEntry(p.msg, '"args"', objectText(nums)) },
      { ...p, ctx: [...p.ctx, ...nums] },
      { ...p, ctx: withEntry(p.ctx, '"_zmq"', objectText([['"deadline"', nums[0]![1]]])) },
      { ...p, ctx: withEntry(p.ctx, '"_zmq"', objectText([['"requeues"', nums[0]![1]]])) },
    ),
  );

/** The same key twice: the last one wins, in the codec as in JSON.parse. */
export const duplicateKeys = fc
  .tuple(partsArb, valueText, fc.constantFrom("method", "args", "_zmq", "ctx"))
  .map(([p, v, which]): Parts => {
    if (which === "method") return { ...p, msg: [...p.msg, ['"method"', '"__proto__"'], ['"method"', '"echo"']] };
    if (which === "args") return { ...p, msg: [...p.msg, ['"args"', "5"], ['"args"', objectText([['"k"', v]])]] };
    if (which === "_zmq") return { ...p, ctx: [...p.ctx, ['"_zmq"', "7"], ['"_zmq"', objectText([])]] };
    return { ...p, ctx: [...p.ctx, ['"user"', v], ['"user"', '"second"']] };
  });

/** Args nested to a total depth at, just over and far over the limit (the payload and args add 3 levels). */
export const deepJson = (limits: { maxDepth: number }) =>
  fc
    .tuple(
      partsArb,
      fc.constantFrom(limits.maxDepth - 4, limits.maxDepth - 3, limits.maxDepth - 2, 1_000, 10_000, 100_000),
      fc.constantFrom("array" as const, "object" as const),
    )
    .map(([p, depth, kind]) => ({
      ...p,
      msg: withEntry(p.msg, '"args"', objectText([['"v"', nestedText(depth, "1", kind)]])),
    }));

export const badMessage = fc
  .tuple(
    partsArb,
    fc.constantFrom<readonly [string, string]>(
      ['"method"', '""'],
      ['"method"', "5"],
      ['"method"', "null"],
      ['"method"', "[]"],
      ['"args"', "[]"],
      ['"args"', '"x"'],
      ['"args"', "null"],
      ['"namespace"', "5"],
      ['"namespace"', "{}"],
      ['"version"', "1.0"],
      ['"version"', "null"],
    ),
  )
  .map(([p, [k, v]]) => ({ ...p, msg: withEntry(p.msg, k, v) }));

export const badWireMeta = fc
  .tuple(
    partsArb,
    fc.constantFrom(
      "5",
      "null",
      "[]",
      '"x"',
      '{"deadline":"soon"}',
      '{"deadline":1e400}',
      '{"deadline":null}',
      '{"ack":"yes"}',
      '{"ack":1}',
      '{"requeues":-1}',
      '{"requeues":1.5}',
      '{"requeues":1e20}',
    ),
  )
  .map(([p, meta]) => ({ ...p, ctx: withEntry(p.ctx, '"_zmq"', meta) }));
