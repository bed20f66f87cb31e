/**
 * What the wire codec (codec.ts) decodes a peer's frames into, and the shape check of an
 * RPC message. Types and one pure check; codec.ts re-exports the types.
 */
import type { NotificationMessage } from "./notify-message.js";

/** The RPC message inside a request payload (oslo RPCClient._make_message). */
export interface RpcMessage {
  method: string;
  args: Record<string, unknown>;
  namespace?: string | null;
  version?: string;
}

interface DecodedCommon {
  peerId: Buffer;
  messageId: string;
  /** The caller's context, without the driver's "_zmq" key. */
  context: Record<string, unknown>;
  /** The caller's absolute deadline (epoch ms on its wall clock) from "_zmq", if it sent one. */
  deadline: number | undefined;
  /** Whether the caller asked for an ACK ("_zmq".ack). */
  ack: boolean;
  /** Whether the caller sends this message id once ("_zmq".once): the server need not remember it. */
  once: boolean;
  /** It came in a batch envelope (core/batch-frames.ts): the peer reads batches, so its replies may leave in one. */
  inBatch?: true;
  /** The caller's W3C traceparent ("_zmq".traceparent), if it sent one (spec/observability.md). */
  traceparent?: string;
  /** The caller's W3C tracestate, if it sent one. */
  tracestate?: string;
}

/** A CALL, CAST or CAST_FANOUT as a ROUTER received it. */
export interface DecodedRpcRequest extends DecodedCommon {
  type: 1 | 2 | 3;
  message: RpcMessage;
}

/** A NOTIFY as a ROUTER received it. */
export interface DecodedNotification extends DecodedCommon {
  type: 4;
  message: NotificationMessage;
  /** Times a listener has requeued it ("_zmq".requeues), 0 when absent. */
  requeues: number;
}

export type DecodedRequest = DecodedRpcRequest | DecodedNotification;

export interface DecodedAck {
  messageId: string;
}

export interface DecodedReply {
  messageId: string;
  body: unknown;
  failure: string | null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The reason an RPC message from a peer is malformed, or undefined when it is well formed. */
export function checkRpcMessage(m: unknown): string | undefined {
  if (!isPlainObject(m)) return "message is not an object";
  if (typeof m.method !== "string" || m.method.length === 0) return "message.method is not a non-empty string";
  if (m.args !== undefined && !isPlainObject(m.args)) return "message.args is not an object";
  if (m.namespace !== undefined && m.namespace !== null && typeof m.namespace !== "string")
    return "message.namespace is not a string";
  if (m.version !== undefined && typeof m.version !== "string") return "message.version is not a string";
  return undefined;
}
