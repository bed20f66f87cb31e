/**
 * What spec/codec.md says a receiver makes of any frames, written again from the spec's
 * tables without the codec's code: the fuzz tests compare the codec (and a live server's
 * counters) with these verdicts. Requests as a ROUTER reads them (peer id first), replies
 * and ACKs as a DEALER reads them.
 *
 * One liberty: for a payload longer than 2 × MAX_JSON_DEPTH that is not valid JSON, the
 * codec may report "depth" or "json" (its scan counts brackets of invalid text too); the
 * verdict then says `kind: "depth|json"`.
 */
import type { MalformedKind } from "../../src/internal.js";

export type OracleKind = MalformedKind | "depth|json";

export type RequestVerdict =
  | { verdict: "malformed"; kind: OracleKind }
  | { verdict: "oversized"; type: number; id: string }
  | {
      verdict: "request";
      type: 1 | 2 | 3 | 4;
      id: string;
      context: Record<string, unknown>;
      message: Record<string, unknown>;
      deadline: number | undefined;
      ack: boolean;
    };

export type ReplyVerdict =
  | { verdict: "malformed"; kind: OracleKind }
  | { verdict: "oversized"; id: string }
  | { verdict: "reply"; id: string; body: unknown; failure: string | null }
  | { verdict: "ack"; id: string };

const PRIORITIES = ["audit", "debug", "info", "warn", "error", "critical", "sample"];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Nesting depth of a parsed JSON value (a scalar is 0, `[]` is 1), without recursion. */
export function jsonDepth(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    max = Math.max(max, d + 1);
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

type Parsed = { ok: true; value: unknown } | { ok: false; kind: OracleKind };

function parsePayload(payload: Buffer, maxDepth: number): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    return { ok: false, kind: payload.length > 2 * maxDepth ? "depth|json" : "json" };
  }
  if (jsonDepth(value) > maxDepth) return { ok: false, kind: "depth" };
  return { ok: true, value };
}

function rpcMessageOk(m: unknown): boolean {
  if (!isObject(m)) return false;
  if (typeof m.method !== "string" || m.method === "") return false;
  if (m.args !== undefined && !isObject(m.args)) return false;
  if (m.namespace !== undefined && m.namespace !== null && typeof m.namespace !== "string") return false;
  return m.version === undefined || typeof m.version === "string";
}

function notificationOk(m: unknown): boolean {
  if (!isObject(m)) return false;
  const id = m.message_id;
  if (typeof id !== "string" || id.length === 0 || id.length > 256) return false;
  if (m.publisher_id !== null && typeof m.publisher_id !== "string") return false;
  if (typeof m.event_type !== "string") return false;
  if (typeof m.priority !== "string" || !PRIORITIES.includes(m.priority.toLowerCase())) return false;
  return Object.hasOwn(m, "payload") && typeof m.timestamp === "string";
}

/** The "_zmq" rules of spec/codec.md, "The _zmq context key": undefined when well formed. */
function wireMetaOk(context: Record<string, unknown>): { deadline: number | undefined; ack: boolean } | undefined {
  if (!Object.hasOwn(context, "_zmq")) return { deadline: undefined, ack: false };
  const z = context._zmq;
  if (!isObject(z)) return undefined;
  if (z.deadline !== undefined && !(typeof z.deadline === "number" && Number.isFinite(z.deadline))) return undefined;
  if (z.ack !== undefined && typeof z.ack !== "boolean") return undefined;
  if (z.requeues !== undefined && !(Number.isSafeInteger(z.requeues) && (z.requeues as number) >= 0)) return undefined;
  return { deadline: z.deadline as number | undefined, ack: z.ack === true };
}

/** Spec/codec.md, "Request frames", checked in the order "Validation and malformed input" gives. */
export function judgeRequest(frames: readonly Buffer[], maxPayloadBytes: number, maxDepth: number): RequestVerdict {
  const bad = (kind: OracleKind): RequestVerdict => ({ verdict: "malformed", kind });
  if (frames.length !== 6) return bad("frames");
  const [, delimiter, version, typeFrame, idFrame, payload] = frames as Buffer[] as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  if (delimiter.length !== 0) return bad("delimiter");
  if (version.toString("latin1") !== "1.0") return bad("version");
  const typeText = typeFrame.toString("latin1");
  if (!["1", "2", "3", "4"].includes(typeText)) return bad("type");
  const type = Number(typeText) as 1 | 2 | 3 | 4;
  if (idFrame.length < 1 || idFrame.length > 128) return bad("id");
  const id = idFrame.toString();
  if (payload.length > maxPayloadBytes) return { verdict: "oversized", type, id };
  const parsed = parsePayload(payload, maxDepth);
  if (!parsed.ok) return bad(parsed.kind);
  const p = parsed.value;
  if (!Array.isArray(p) || p.length !== 2) return bad("shape");
  const [context, message] = p as [unknown, unknown];
  if (!isObject(context)) return bad("context");
  if (!(type === 4 ? notificationOk(message) : rpcMessageOk(message))) return bad("message");
  const meta = wireMetaOk(context);
  if (meta === undefined) return bad("context");
  const { _zmq: _, ...rest } = context;
  // The rest spread drops an own "__proto__" key's magic: rebuild it as an own key.
  const ctx: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest))
    Object.defineProperty(ctx, k, { value: v, enumerable: true, writable: true, configurable: true });
  const msg = message as Record<string, unknown>;
  if (type !== 4 && msg.args === undefined) msg.args = {};
  return { verdict: "request", type, id, context: ctx, message: msg, ...meta };
}

/**
 * What a server makes of one ZeroMQ message as its ROUTER reads it: a batch envelope
 * (spec/codec.md, "Batches": version frame "2.0") gives a verdict per record, each record
 * judged as a 1.0 request; a refused envelope is one malformed message; anything else is
 * one request judged by judgeRequest. Written from the spec, apart from batch-frames.ts.
 */
export function judgeAtServer(frames: readonly Buffer[], maxPayloadBytes: number, maxDepth: number): RequestVerdict[] {
  return judgeEnvelope(frames, 1, (m) => judgeRequest(m, maxPayloadBytes, maxDepth));
}

/**
 * What a client makes of one ZeroMQ message as its DEALER reads it: like judgeAtServer,
 * without the peer id (a batch of replies and ACKs, spec/codec.md "Batches"), else one
 * message judged by judgeReply.
 */
export function judgeAtClient(frames: readonly Buffer[], maxPayloadBytes: number, maxDepth: number): ReplyVerdict[] {
  return judgeEnvelope(frames, 0, (m) => judgeReply(m, maxPayloadBytes, maxDepth));
}

/**
 * One ZeroMQ message with `head` routing frames: a batch envelope (version frame "2.0")
 * is a verdict per record, or one malformed verdict when the envelope is refused; anything
 * else is one message for `judgeOne`.
 */
function judgeEnvelope<V extends RequestVerdict | ReplyVerdict>(
  frames: readonly Buffer[],
  head: 0 | 1,
  judgeOne: (m: readonly Buffer[]) => V,
): (V | { verdict: "malformed"; kind: OracleKind })[] {
  if (frames[head + 1] === undefined || frames[head + 1]!.toString("latin1") !== "2.0") return [judgeOne(frames)];
  const split = batchMessages(frames, head);
  if (typeof split === "string") return [{ verdict: "malformed", kind: split }];
  return split.map(judgeOne);
}

/**
 * A batch envelope's records as 1.0 messages (`head` routing frames kept in front), or
 * the kind of a refused envelope: exactly head + 3 frames, an empty delimiter, records of
 * type, id length (u8), payload length (u32 BE), id and payload, at least 1 and at most
 * 4096 of them.
 */
function batchMessages(frames: readonly Buffer[], head: 0 | 1): Buffer[][] | OracleKind {
  if (frames.length !== head + 3) return "frames";
  if (frames[head]!.length !== 0) return "delimiter";
  const records = frames[head + 2]!;
  const messages: Buffer[][] = [];
  let at = 0;
  while (at < records.length) {
    if (messages.length === 4096) return "frames";
    if (records.length - at < 6) return "shape";
    const idLength = records[at + 1]!;
    const payloadLength = records.readUInt32BE(at + 2);
    const end = at + 6 + idLength + payloadLength;
    if (end > records.length) return "shape";
    const type = Buffer.from(records.subarray(at, at + 1));
    const id = Buffer.from(records.subarray(at + 6, at + 6 + idLength));
    messages.push([
      ...frames.slice(0, head),
      Buffer.alloc(0),
      Buffer.from("1.0"),
      type,
      id,
      Buffer.from(records.subarray(at + 6 + idLength, end)),
    ]);
    at = end;
  }
  return messages.length === 0 ? "shape" : messages;
}

/** Spec/codec.md, "Reply frames" and "ACK frames", as the client reads five frames. */
export function judgeReply(frames: readonly Buffer[], maxPayloadBytes: number, maxDepth: number): ReplyVerdict {
  const bad = (kind: OracleKind): ReplyVerdict => ({ verdict: "malformed", kind });
  if (frames.length !== 5) return bad("frames");
  const [delimiter, version, typeFrame, idFrame, payload] = frames as Buffer[] as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  if (delimiter.length !== 0) return bad("delimiter");
  if (version.toString("latin1") !== "1.0") return bad("version");
  const typeText = typeFrame.toString("latin1");
  const idOk = idFrame.length >= 1 && idFrame.length <= 128;
  if (typeText === "6" && typeFrame.length === 1) {
    if (!idOk) return bad("id");
    return payload.length === 0 ? { verdict: "ack", id: idFrame.toString() } : bad("shape");
  }
  if (typeText !== "5" || typeFrame.length !== 1) return bad("type");
  if (payload.length > maxPayloadBytes) {
    return idOk ? { verdict: "oversized", id: idFrame.toString() } : bad("shape");
  }
  const parsed = parsePayload(payload, maxDepth);
  if (!parsed.ok) return bad(parsed.kind);
  const p = parsed.value;
  if (!Array.isArray(p) || p.length !== 2) return bad("shape");
  const [body, failure] = p as [unknown, unknown];
  if (failure !== null && typeof failure !== "string") return bad("shape");
  return { verdict: "reply", id: idFrame.toString(), body, failure };
}
