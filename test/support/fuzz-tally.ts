/**
 * What a live server must have done with the hostile requests a fuzz run sent it, from
 * the spec's verdicts (frame-oracle.ts) and the server's rules after the codec
 * (spec/server.md: NOTIFY unsupported, expiry at receipt, duplicates by message id, the
 * dispatcher's NoSuchMethod / UnsupportedVersion). Requests that share a message id must
 * reach the server in the order sent (the fuzz test sends them on one connection).
 *
 * Expected handler invocations and reply bodies are kept as hashes of their JSON, so the
 * tally's own memory stays small beside the heap the test measures.
 */
import { createHash } from "node:crypto";
import type { OracleKind, RequestVerdict } from "./frame-oracle.js";
import type { RequestCategory } from "./hostile-frames.js";

/** The fuzz endpoint's public methods (anything else is NoSuchMethod): "echo" for the fuzz, "legit" for the legitimate client. */
export const ENDPOINT_METHODS = ["echo", "legit"];

export const digest = (text: string): string => createHash("sha1").update(text).digest("hex");

/** The key of one handler invocation: method, context and args as JSON. */
export const invocationKey = (method: string, ctx: unknown, args: unknown): string =>
  digest(JSON.stringify([method, ctx, args]));

/** What the fuzz DEALER must get back for one call: a body (its JSON's hash) or a failure class. */
export type ExpectedReply = { bodyHash: string } | { failureClass: string };

export class ServerTally {
  readonly sent: Partial<Record<RequestCategory, number>> = {};
  readonly malformed: Partial<Record<OracleKind, number>> = {};
  received = 0;
  oversized = 0;
  unsupported = 0;
  expired = 0;
  duplicates = 0;
  handled = 0;
  /** Invocation key -> how many times the endpoint must run with it. */
  readonly invocations = new Map<string, number>();
  /** Message id -> the reply its call must get (first use of the id only). */
  readonly replies = new Map<string, ExpectedReply>();
  /** Message id -> how many requests (well formed or oversized) carried it: replies are checked for ids used once. */
  readonly idUses = new Map<string, number>();
  private readonly remembered = new Set<string>();

  /** One message sent, with the spec's verdict on it, at wall-clock time `nowMs`. */
  add(category: RequestCategory, v: RequestVerdict, nowMs: number): void {
    this.sent[category] = (this.sent[category] ?? 0) + 1;
    this.received++;
    if (v.verdict === "malformed") {
      this.malformed[v.kind] = (this.malformed[v.kind] ?? 0) + 1;
      return;
    }
    this.idUses.set(v.id, (this.idUses.get(v.id) ?? 0) + 1);
    if (v.verdict === "oversized") {
      this.oversized++;
      if (v.type === 1 && !this.replies.has(v.id)) this.replies.set(v.id, { failureClass: "PayloadTooLarge" });
      return;
    }
    if (v.type === 4) {
      this.unsupported++;
      return;
    }
    if (v.deadline !== undefined && v.deadline <= nowMs) {
      this.expired++;
      return;
    }
    if (this.remembered.has(v.id)) {
      this.duplicates++;
      return;
    }
    this.remembered.add(v.id);
    this.handled++;
    const outcome = dispatchOutcome(v.message);
    // "legit" belongs to the legitimate client; a fuzz request for it is left to the handler to flag.
    if (outcome === "invoke" && v.message.method !== "echo") return;
    if (outcome === "invoke") {
      const key = invocationKey(v.message.method as string, v.context, v.message.args);
      this.invocations.set(key, (this.invocations.get(key) ?? 0) + 1);
    }
    if (v.type !== 1 || this.replies.has(v.id)) return;
    this.replies.set(
      v.id,
      outcome === "invoke" ? { bodyHash: digest(JSON.stringify(v.message.args)) } : { failureClass: outcome },
    );
  }
}

/**
 * The dispatcher's decision for the fuzz endpoint (no namespace, version 1.0, default
 * access policy), from spec/dispatcher.md: a version the endpoint cannot serve (or not a
 * version) or another namespace is UnsupportedVersion; an unknown or private method
 * NoSuchMethod. The generated versions are "1.0", "1.0.0", "1.1", "2.0", "01.0" and "x".
 */
export function dispatchOutcome(m: Record<string, unknown>): "invoke" | "NoSuchMethod" | "UnsupportedVersion" {
  const version = m.version ?? "1.0";
  if ((m.namespace ?? null) !== null || (version !== "1.0" && version !== "1.0.0")) return "UnsupportedVersion";
  return ENDPOINT_METHODS.includes(m.method as string) ? "invoke" : "NoSuchMethod";
}
