/**
 * fast-check arbitraries of what a hostile peer can send to a server's port: request
 * frames as a DEALER sends them (spec/codec.md, "Request frames"), well formed and mutated
 * in every way the codec has a rule for, plus random multipart messages. Each value is
 * tagged with its category, for the counts a fuzz run reports. frame-oracle.ts says what
 * a receiver must make of each.
 */
import fc from "fast-check";
import { objectText, objectValueText, valueText } from "./json-text.js";
import {
  badMessage,
  badWireMeta,
  deepJson,
  duplicateKeys,
  hostileMethod,
  hugeNumbers,
  partsArb,
  payloadOf,
  pollution,
  type Parts,
} from "./hostile-payloads.js";

export const REQUEST_CATEGORIES = [
  "well-formed",
  "hostile-method",
  "pollution",
  "huge-numbers",
  "duplicate-keys",
  "deep-json",
  "notify",
  "truncated",
  "extra-frames",
  "wrong-version",
  "bad-type",
  "bad-delimiter",
  "bad-id",
  "oversized-payload",
  "not-json",
  "bad-shape",
  "bad-message",
  "bad-wire-meta",
  "random-multipart",
  "many-frames",
  "batch",
  "bad-batch",
] as const;
export type RequestCategory = (typeof REQUEST_CATEGORIES)[number];

/** One message for a server's port, as a DEALER sends it (no peer id). */
export interface FuzzRequest {
  category: RequestCategory;
  frames: Buffer[];
}

export interface FuzzLimits {
  /** The server's maxPayloadBytes. */
  maxPayloadBytes: number;
  /** The codec's MAX_JSON_DEPTH. */
  maxDepth: number;
}

const B = (s: string): Buffer => Buffer.from(s);
const quote = (s: string): string => JSON.stringify(s);

/** Message ids: mostly unique, some repeated on purpose (duplicates), some at the 128-byte edge or binary. */
const idArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 16, arbitrary: fc.uuid().map(B) },
  { weight: 1, arbitrary: fc.constantFrom("dup-1", "dup-2").map(B) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 128 }).map((u) => Buffer.from(u)) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(128, 0x61)) },
);

function framesOf(type: string, id: Buffer, payload: string | Buffer): Buffer[] {
  return [B(""), B("1.0"), B(type), id, typeof payload === "string" ? B(payload) : payload];
}

const rpcType = fc.constantFrom("1", "2", "3");

/** A well-formed request with a payload made from `parts`. */
const request = (parts: fc.Arbitrary<Parts>): fc.Arbitrary<Buffer[]> =>
  fc.tuple(rpcType, idArb, parts).map(([t, id, p]) => framesOf(t, id, payloadOf(p)));

const wellFormed = request(partsArb);

const notify = fc
  .record({
    id: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
    priority: fc.constantFrom("info", "WARN", "sample", "bogus"),
    payload: fc.option(valueText, { nil: undefined }),
  })
  .chain((n) =>
    fc.tuple(idArb, objectValueText).map(([id, ctx]) => {
      const entries: [string, string][] = [
        ['"publisher_id"', "null"],
        ['"event_type"', '"e.t"'],
        ['"priority"', quote(n.priority)],
        ['"timestamp"', '"2024-05-01 12:00:00.123000"'],
      ];
      if (n.id !== undefined) entries.push(['"message_id"', quote(n.id)]);
      if (n.payload !== undefined) entries.push(['"payload"', n.payload]);
      return framesOf("4", id, `[${ctx},${objectText(entries)}]`);
    }),
  );

/** Bytes of a frame cut short (strictly shorter). */
const cut = (b: Buffer, at: number): Buffer => b.subarray(0, Math.min(at, b.length - 1));

const truncated = fc
  .tuple(wellFormed, fc.nat(4), fc.nat())
  .map(([f, keep, at]) =>
    keep === 4 ? [...f.slice(0, 4), cut(f[4]!, at % f[4]!.length)] : f.slice(0, Math.max(1, keep)),
  );

const extraFrames = fc
  .tuple(wellFormed, fc.array(fc.uint8Array({ maxLength: 16 }), { minLength: 1, maxLength: 3 }), fc.nat(5))
  .map(([f, extra, at]) => [...f.slice(0, at), ...extra.map((u) => Buffer.from(u)), ...f.slice(at)]);

const replaceFrame = (i: number, values: fc.Arbitrary<Buffer>) =>
  fc.tuple(wellFormed, values).map(([f, v]) => f.map((x, j) => (j === i ? v : x)));

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u));

const wrongVersion = replaceFrame(
  1,
  fc.oneof(fc.constantFrom("", "1.1", "2.0", "1.00", "1.0\u0000", "1", "1.0 ", "0.9").map(B), bytes(8)),
);
/** Unknown types, reply- and ACK-typed frames sent to a server, and not exactly one digit. */
const badType = replaceFrame(
  2,
  fc.oneof(fc.constantFrom("0", "5", "6", "7", "9", "11", "01", "1 ", "a", "", "\u0661").map(B), bytes(4)),
).filter((f) => !["1", "2", "3", "4"].includes(f[2]!.toString("latin1")));
const badDelimiter = replaceFrame(
  0,
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((u) => Buffer.from(u)),
);
const badId = replaceFrame(
  3,
  fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.integer({ min: 129, max: 4096 }).map((n) => Buffer.alloc(n, 0x69)),
  ),
);

/** A valid request whose payload is padded past maxPayloadBytes. */
const oversized = (limits: FuzzLimits) =>
  fc.tuple(rpcType, idArb, fc.integer({ min: 1, max: 65_536 })).map(([t, id, over]) => {
    const head = '[{},{"method":"echo","args":{"pad":"';
    const tail = '"}}]';
    const pad = "p".repeat(limits.maxPayloadBytes + over - head.length - tail.length);
    return framesOf(t, id, head + pad + tail);
  });

const notJson = fc
  .tuple(
    rpcType,
    idArb,
    fc.oneof(
      bytes(64),
      fc
        .constantFrom(
          "NaN",
          "[{},{'method':'echo'}]",
          '[{},{"method":"echo",}]',
          '[{},{"method":"echo"}] // c',
          '[{},{"method":"echo"}',
          '[{},{"method":"echo"}]\u0000',
          "",
        )
        .map(B),
    ),
  )
  .map(([t, id, p]) => framesOf(t, id, p));

const badShape = fc
  .tuple(
    rpcType,
    idArb,
    fc.constantFrom(
      "[]",
      "[{}]",
      '[{},{"method":"echo"},{}]',
      "{}",
      "null",
      '"x"',
      "5",
      '[[],{"method":"echo"}]',
      '[null,{"method":"echo"}]',
      '["ctx",{"method":"echo"}]',
      "[{},[]]",
      '[{},"echo"]',
      "[{},null]",
    ),
  )
  .map(([t, id, p]) => framesOf(t, id, p));

const randomMultipart = fc.array(bytes(64), { minLength: 1, maxLength: 10 });

const manyFrames = fc
  .tuple(wellFormed, fc.integer({ min: 1_000, max: 5_000 }))
  .map(([f, n]) => [...f, ...Array.from({ length: n }, (_, i) => B(String(i % 10)))]);

/**
 * Batch envelopes (spec/codec.md, "Batches") of 1 to 5 hostile messages, each with an id
 * of its own (a duplicate across connections would arrive in an order the test cannot
 * know); records written here byte by byte, not by batch-frames.ts.
 */
function records(messages: readonly Buffer[][]): Buffer {
  return Buffer.concat(
    messages.flatMap(([, , type, id, payload]) => {
      const head = Buffer.alloc(6);
      head[0] = type!.length === 1 ? type![0]! : 0x30;
      head[1] = id!.length;
      head.writeUInt32BE(payload!.length, 2);
      return [head, id!, payload!];
    }),
  );
}
const batchMember = fc
  .tuple(fc.oneof(wellFormed, badType, notJson, request(badMessage), request(hostileMethod), notify), fc.uuid())
  .map(([frames, id]) => [frames[0]!, frames[1]!, frames[2]!, B(`b-${id}`), frames[4]!]);
const batch = fc.array(batchMember, { minLength: 1, maxLength: 5 }).map((ms) => [B(""), B("2.0"), records(ms)]);
const badBatch = fc.oneof(
  batch.map((f) => [...f, B("extra")]),
  batch.map((f) => [B("x"), f[1]!, f[2]!]),
  batch.map((f) => [f[0]!, f[1]!, f[2]!.subarray(0, Math.max(0, f[2]!.length - 1))]),
  fc.uint8Array({ maxLength: 64 }).map((u) => [B(""), B("2.0"), Buffer.from(u)]),
);

/** Every category, weighted so that the costly ones (deep, oversized, thousands of frames) stay rare. */
export function hostileRequest(limits: FuzzLimits): fc.Arbitrary<FuzzRequest> {
  const tag = (category: RequestCategory, weight: number, frames: fc.Arbitrary<Buffer[]>) => ({
    weight,
    arbitrary: frames.map((f) => ({ category, frames: f })),
  });
  return fc.oneof(
    tag("well-formed", 12, wellFormed),
    tag("hostile-method", 6, request(hostileMethod)),
    tag("pollution", 4, request(pollution)),
    tag("huge-numbers", 4, request(hugeNumbers)),
    tag("duplicate-keys", 3, request(duplicateKeys)),
    tag("deep-json", 2, request(deepJson(limits))),
    tag("notify", 2, notify),
    tag("truncated", 4, truncated),
    tag("extra-frames", 3, extraFrames),
    tag("wrong-version", 3, wrongVersion),
    tag("bad-type", 3, badType),
    tag("bad-delimiter", 2, badDelimiter),
    tag("bad-id", 2, badId),
    tag("oversized-payload", 1, oversized(limits)),
    tag("not-json", 3, notJson),
    tag("bad-shape", 2, badShape),
    tag("bad-message", 3, request(badMessage)),
    tag("bad-wire-meta", 3, request(badWireMeta)),
    tag("random-multipart", 4, randomMultipart),
    tag("many-frames", 1, manyFrames),
    tag("batch", 4, batch),
    tag("bad-batch", 2, badBatch),
  );
}
