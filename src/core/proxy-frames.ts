/**
 * The proxy protocol's frames (spec/proxy.md, "Messages"): built and checked here only.
 * A body is a direct-mode message without its empty delimiter, ["1.0", type, id, payload]
 * (codec.ts); the proxy protocol puts an op frame and one routing frame in front of it.
 *
 *   ROUTE      client -> frontend   ["", "R", serverIdentity, ...body]
 *   PUBLISH    client -> frontend   ["", "P", key, ...body]
 *   MESSAGE    backend -> server    [serverIdentity, "", "M", clientIdentity, via, ...body]
 *   BACK       server -> backend    ["", "B", clientIdentity, ...body]   (reply or ACK)
 *   FROM       frontend -> client   [clientIdentity, "", "F", serverIdentity, ...body]
 *   SUBSCRIBE  server -> backend    ["", "S", key1, ..., keyN]
 *   NO-ROUTE   frontend -> client   [clientIdentity, "", "N", destination, messageId, ...]
 *
 * A body may also be a batch, ["2.0", records] (batch-frames.ts), in ROUTE, MESSAGE, BACK
 * and FROM: requests to one server, or replies and ACKs to one client (spec/proxy.md,
 * "Batches through proxies"). A proxy checks its envelope, never its payloads.
 *
 * Checks never throw: a frame set that does not fit is a named reason, counted by the caller.
 */
import { isBatch, MAX_BATCH_MESSAGES, splitBatch } from "./batch-frames.js";
import { MESSAGE_VERSION } from "./codec.js";

/** Matchmaker keys of the proxies: a raw ":" never appears in a target key (core/target.ts). */
export const PROXY_FRONTEND_KEY = "proxy:frontend";
export const PROXY_BACKEND_KEY = "proxy:backend";
/**
 * The frontends that forward batches: a proxy registers its frontend under this key too,
 * and a client sends a batch only through a link to one of them (a proxy from before
 * batches drops one as malformed). Its own key, not an attribute of the entry under
 * PROXY_FRONTEND_KEY, which clients from before batches connect to as it is.
 */
export const PROXY_BATCH_FRONTEND_KEY = "proxy:frontend-batches";

/** Host prefix of a server reached through the proxies (its identity is the whole host). */
export const PROXIED_HOST_PREFIX = "proxied:";
/** Host a proxy-mode client sends a fanout to: "published:" + the key. */
export const PUBLISHED_HOST_PREFIX = "published:";

export const ProxyOp = {
  ROUTE: "R",
  PUBLISH: "P",
  MESSAGE: "M",
  BACK: "B",
  FROM: "F",
  SUBSCRIBE: "S",
  NO_ROUTE: "N",
} as const;

const EMPTY = Buffer.alloc(0);
const OP = {
  R: Buffer.from("R"),
  P: Buffer.from("P"),
  M: Buffer.from("M"),
  B: Buffer.from("B"),
  F: Buffer.from("F"),
  S: Buffer.from("S"),
  N: Buffer.from("N"),
} as const;
const VERSION = Buffer.from(MESSAGE_VERSION);
/** Frames of a body: version, type, id, payload. */
export const BODY_FRAMES = 4;

export type ProxyDropReason =
  | "malformed" // layout, version, type or id does not fit
  | "unknown-op" // an op this side does not take
  | "no-route" // the destination is not connected here / no subscriber: the client was told
  | "no-subscriber-copy" // one subscriber of a publish was gone (forgotten)
  | "client-gone"; // a reply or notice for a client not connected here

/** Which message types each op may carry. */
const REQUEST_TYPES: readonly string[] = ["1", "2", "3", "4"];
const PUBLISH_TYPES: readonly string[] = ["3"];
const BACK_TYPES: readonly string[] = ["5", "6"];

export interface ClientMessage {
  op: "R" | "P";
  /** Server identity (R) or key (P). */
  destination: Buffer;
  body: Buffer[];
  /** The ids of the messages in the body: one, or a batch's (a ROUTE only). */
  ids: Buffer[];
}

export interface ServerMessage {
  op: "B";
  client: Buffer;
  body: Buffer[];
}

export interface SubscribeMessage {
  op: "S";
  keys: string[];
}

function op(frame: Buffer | undefined): string | undefined {
  return frame !== undefined && frame.length === 1 ? String.fromCharCode(frame[0]!) : undefined;
}

/** Checks a body: exactly version, type (one of `types`), a non-empty id, payload. */
function bodyOk(body: readonly Buffer[], types: readonly string[]): boolean {
  if (body.length !== BODY_FRAMES) return false;
  const [version, type, id] = body as [Buffer, Buffer, Buffer, Buffer];
  return version.equals(VERSION) && types.includes(type.toString("latin1")) && id.length > 0;
}

/**
 * The messages of a body, each checked as bodyOk checks one, in the 1.0 layout (views):
 * the body itself, or a batch's messages; undefined when the body or any message in the
 * batch does not fit (a batch is refused whole: its sender made it, not a relay).
 */
export function bodyMessages(
  body: readonly Buffer[],
  types: readonly string[],
  batches = true,
): Buffer[][] | undefined {
  if (body.length === BODY_FRAMES) return bodyOk(body, types) ? [body as Buffer[]] : undefined;
  if (!batches) return undefined;
  const envelope = [EMPTY, ...body];
  if (!isBatch(envelope, 0)) return undefined;
  const split = splitBatch(envelope, 0);
  if (!split.ok) return undefined;
  const messages = split.messages.map((m) => m.slice(1));
  return messages.every((m) => bodyOk(m, types)) ? messages : undefined;
}

/**
 * A frontend message as the ROUTER reads it: [client, "", op, destination, ...body].
 * `batches` false: a batch body is malformed, as to a proxy from before batches.
 */
export function parseClientMessage(
  frames: readonly Buffer[],
  batches = true,
): ClientMessage | "malformed" | "unknown-op" {
  if (frames.length < 4 || frames[0]!.length === 0 || frames[1]!.length !== 0) return "malformed";
  const o = op(frames[2]);
  if (o !== "R" && o !== "P") return "unknown-op";
  const destination = frames[3]!;
  const body = frames.slice(4) as Buffer[];
  if (destination.length === 0) return "malformed";
  // A publish is never batched: its copies go to different servers.
  const messages =
    o === "R" ? bodyMessages(body, REQUEST_TYPES, batches) : bodyOk(body, PUBLISH_TYPES) ? [body] : undefined;
  if (messages === undefined) return "malformed";
  return { op: o, destination, body, ids: messages.map((m) => m[2]!) };
}

/** A backend message as the ROUTER reads it: [server, "", "B", client, ...body] or [server, "", "S", ...keys]; `batches` as parseClientMessage. */
export function parseServerMessage(
  frames: readonly Buffer[],
  batches = true,
): ServerMessage | SubscribeMessage | "malformed" | "unknown-op" {
  if (frames.length < 3 || frames[0]!.length === 0 || frames[1]!.length !== 0) return "malformed";
  const o = op(frames[2]);
  if (o === "S") {
    const keys = frames.slice(3).map((k) => k.toString("utf8"));
    if (keys.some((k) => k.length === 0)) return "malformed";
    return { op: "S", keys };
  }
  if (o !== "B") return "unknown-op";
  const client = frames[3];
  const body = frames.slice(4) as Buffer[];
  if (client === undefined || client.length === 0 || bodyMessages(body, BACK_TYPES, batches) === undefined)
    return "malformed";
  return { op: "B", client, body };
}

export function messageFrames(server: Buffer, client: Buffer, via: Buffer, body: readonly Buffer[]): Buffer[] {
  return [server, EMPTY, OP.M, client, via, ...body];
}

export function fromFrames(client: Buffer, server: Buffer, body: readonly Buffer[]): Buffer[] {
  return [client, EMPTY, OP.F, server, ...body];
}

/** A NO-ROUTE notice for one message, or for each message of a batch (one notice: the ids of one ROUTE). */
export function noRouteFrames(client: Buffer, destination: Buffer, messageIds: readonly Buffer[]): Buffer[] {
  return [client, EMPTY, OP.N, destination, ...messageIds];
}

// ---- the client's and the server's side (DEALER frames: no routing frame in front) ----

/** What a client link sends for a direct-mode request `["", "1.0", type, id, payload]`. */
export function routeFrames(op: "R" | "P", destination: string, request: readonly Buffer[]): Buffer[] {
  return [EMPTY, op === "R" ? OP.R : OP.P, Buffer.from(destination), ...request.slice(1)];
}

export function subscribeFrames(keys: readonly string[]): Buffer[] {
  return [EMPTY, OP.S, ...keys.map((k) => Buffer.from(k))];
}

/** What a server link sends for a ROUTER-style reply or ACK `[client, "", "1.0", type, id, payload]`. */
export function backFrames(reply: readonly Buffer[]): Buffer[] {
  return [EMPTY, OP.B, reply[0]!, ...reply.slice(2)];
}

/** One reply or ACK in a FROM: its id and type. */
export interface Answer {
  messageId: string;
  type: string;
}

/** A message a client link reads: FROM (one answer, or a batch of them) or NO-ROUTE. */
export type ClientInbound =
  | { op: "F"; server: string; request: Buffer[]; answers: Answer[] }
  | { op: "N"; destination: string; messageIds: string[] };

/** Parses what a client link reads: ["", "F", server, ...body] or ["", "N", destination, ...ids]. */
export function parseClientInbound(frames: readonly Buffer[]): ClientInbound | undefined {
  if (frames.length < 4 || frames[0]!.length !== 0) return undefined;
  const o = op(frames[1]);
  if (o === "N" && frames.length <= 3 + MAX_BATCH_MESSAGES)
    return {
      op: "N",
      destination: frames[2]!.toString("utf8"),
      messageIds: frames.slice(3).map((id) => id.toString("utf8")),
    };
  if (o !== "F") return undefined;
  const body = frames.slice(3) as Buffer[];
  const messages = bodyMessages(body, BACK_TYPES);
  if (messages === undefined) return undefined;
  return {
    op: "F",
    server: frames[2]!.toString("utf8"),
    request: [EMPTY, ...body],
    answers: messages.map((m) => ({ messageId: m[2]!.toString("utf8"), type: m[1]!.toString("latin1") })),
  };
}

/** A message a server link reads: ["", "M", client, via, ...body], as the listener's ROUTER-style frames. */
export interface ServerInbound {
  client: Buffer;
  /** "" for a route, else the key it was published to. */
  via: string;
  /** [client, "", ...body]: what a direct-mode ROUTER would have read. */
  routerFrames: Buffer[];
}

export function parseServerInbound(frames: readonly Buffer[]): ServerInbound | undefined {
  if (frames.length < 4 || frames[0]!.length !== 0 || op(frames[1]) !== "M") return undefined;
  const client = frames[2]!;
  if (client.length === 0) return undefined;
  const body = frames.slice(4) as Buffer[];
  return { client, via: frames[3]!.toString("utf8"), routerFrames: [client, EMPTY, ...body] };
}
