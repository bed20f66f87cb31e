/**
 * Goal: the W3C trace context in "_zmq" (spec/codec.md, spec/observability.md): formatted
 * from a span context, parsed back, carried through encode and decode; a malformed one is
 * ignored and never makes a request malformed; without an SDK no traceparent is sent.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { TraceFlags } from "@opentelemetry/api";
import { decodeRequest, encodeRequest, MessageType } from "../../src/core/codec.js";
import { takeWireMeta, withWireMeta } from "../../src/core/wire-context.js";
import { RpcClient } from "../../src/index.js";
import { formatTrace, parseTraceparent } from "../../src/observability/trace-context.js";
import { stubTransport } from "../support/stub-transport.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

test("trace-context - a span context formats to a traceparent and parses back (remote, flags kept)", () => {
  const wire = formatTrace({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED });
  assert.deepEqual(wire, { traceparent: `00-${TRACE}-${SPAN}-01` });
  assert.deepEqual(parseTraceparent(wire!.traceparent), {
    traceId: TRACE,
    spanId: SPAN,
    traceFlags: 1,
    isRemote: true,
  });
  const unsampled = formatTrace({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.NONE });
  assert.equal(unsampled?.traceparent.endsWith("-00"), true, "a sampled-out span still propagates");
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-01`, "k=v")?.traceState?.serialize(), "k=v");
});

test("trace-context - malformed traceparents parse to undefined; an invalid span context formats to nothing", () => {
  for (const bad of [
    "",
    "garbage",
    `ff-${TRACE}-${SPAN}-01`,
    `00-${"0".repeat(32)}-${SPAN}-01`,
    `00-${TRACE}-${"0".repeat(16)}-01`,
    `00-${TRACE.toUpperCase()}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-01-extra`,
  ])
    assert.equal(parseTraceparent(bad), undefined, bad);
  assert.ok(parseTraceparent(`01-${TRACE}-${SPAN}-01-future`), "a later version may add fields");
  assert.equal(formatTrace({ traceId: "0".repeat(32), spanId: SPAN, traceFlags: 1 }), undefined);
});

test("trace-context - _zmq carries traceparent and tracestate through encode and decode; the endpoint's context has no _zmq", () => {
  const ctx = withWireMeta({ user: "u" }, 123, false, 0, { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "a=b" });
  const frames = encodeRequest(MessageType.CALL, "id1", ctx, { method: "m", args: {} });
  const r = decodeRequest([Buffer.from("peer"), ...frames]);
  assert.ok(r.ok);
  assert.equal(r.value.traceparent, `00-${TRACE}-${SPAN}-01`);
  assert.equal(r.value.tracestate, "a=b");
  assert.deepEqual(r.value.context, { user: "u" });
});

test("trace-context - a traceparent of the wrong type or length is ignored, the request stays well formed", () => {
  for (const traceparent of [42, { x: 1 }, "x".repeat(257)]) {
    const meta = takeWireMeta({ _zmq: { deadline: 5, traceparent } });
    assert.ok(typeof meta !== "string", "not malformed");
    assert.equal(meta.traceparent, undefined);
    assert.equal(meta.deadline, 5);
  }
});

test("trace-context - without an SDK a call sends no traceparent", async () => {
  const { transport, sent } = stubTransport();
  await new RpcClient(transport, { topic: "t" }).call({}, "m");
  assert.deepEqual(Object.keys(sent[0]!.context._zmq as object), ["deadline", "once"]);
  assert.equal(sent[0]!.span, undefined);
});
