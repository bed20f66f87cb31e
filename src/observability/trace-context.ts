/**
 * The W3C Trace Context header as it travels in "_zmq" (spec/observability.md,
 * "Traces"; spec/codec.md, "The _zmq context key"): `00-<32 hex trace id>-<16 hex span
 * id>-<2 hex flags>`. Formatted from and parsed into the OpenTelemetry API's SpanContext,
 * so the driver needs no propagator package. A malformed value parses to undefined.
 */
import { isSpanContextValid, type SpanContext } from "@opentelemetry/api";
import type { WireTrace } from "../core/wire-context.js";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The wire form of `sc`, or undefined when it is not a valid span context. */
export function formatTrace(sc: SpanContext): WireTrace | undefined {
  if (!isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  const traceparent = `00-${sc.traceId}-${sc.spanId}-${flags}`;
  const state = sc.traceState?.serialize();
  return state ? { traceparent, tracestate: state } : { traceparent };
}

/**
 * The remote span context a peer's traceparent names, or undefined when it is malformed:
 * version "ff", an all-zero id, or a version-00 header with extra fields are rejected
 * (W3C Trace Context, "traceparent Header Field Values"). `tracestate` is kept as text.
 */
export function parseTraceparent(traceparent: string, tracestate?: string): SpanContext | undefined {
  const m = TRACEPARENT.exec(traceparent);
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  const sc: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 0x01,
    isRemote: true,
  };
  if (!isSpanContextValid(sc)) return undefined;
  if (tracestate !== undefined) sc.traceState = keptTraceState(tracestate);
  return sc;
}

/** A TraceState that only carries the peer's text on (this driver never inspects it). */
function keptTraceState(text: string): NonNullable<SpanContext["traceState"]> {
  const state: NonNullable<SpanContext["traceState"]> = {
    set: () => state,
    unset: () => state,
    get: () => undefined,
    serialize: () => text,
  };
  return state;
}
