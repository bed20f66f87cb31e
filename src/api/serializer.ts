/**
 * Serializers convert application entities and contexts to and from what travels as JSON
 * (oslo.messaging Serializer). The wire codec is separate and fixed (core/codec.ts).
 */
import { withMethods } from "../core/validate.js";
export interface Serializer {
  serializeEntity(ctx: Record<string, unknown>, entity: unknown): unknown;
  deserializeEntity(ctx: Record<string, unknown>, entity: unknown): unknown;
  serializeContext(ctx: Record<string, unknown>): Record<string, unknown>;
  deserializeContext(ctx: Record<string, unknown>): Record<string, unknown>;
}

/** Passes everything through unchanged (oslo NoOpSerializer, the default). */
export const noOpSerializer: Serializer = Object.freeze({
  serializeEntity: (_ctx: Record<string, unknown>, e: unknown) => e,
  deserializeEntity: (_ctx: Record<string, unknown>, e: unknown) => e,
  serializeContext: (ctx: Record<string, unknown>) => ctx,
  deserializeContext: (ctx: Record<string, unknown>) => ctx,
});

/** Throws a TypeError naming `what` unless `v` has the four methods of a Serializer. */
export function checkSerializer(what: string, v: unknown): void {
  withMethods(what, v, ["serializeEntity", "deserializeEntity", "serializeContext", "deserializeContext"]);
}
