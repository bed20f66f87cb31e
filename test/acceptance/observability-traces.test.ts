/**
 * Goal: spans through the OpenTelemetry API (spec/observability.md, "Traces") over real
 * zeromq: a call gives a CLIENT and a SERVER span of one trace, the server span a child of
 * the client span; a timed-out call's span is ERROR; a handler that calls another service
 * gives a third span in the same trace; without an SDK no span starts.
 * Method: the SDK's BasicTracerProvider with the in-memory exporter, passed as
 * DriverOptions.tracerProvider; the AsyncLocalStorage context manager for nesting.
 * Direct routing only: spans are made by the client and the server (the same code in
 * both modes); a proxy forwards the trace context unchanged inside the message.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  getNotificationListener,
  getRpcServer,
  getRpcTransport,
  MessagingTimeout,
  Notifier,
  RpcClient,
  type Transport,
} from "../../src/index.js";
import { installContextManager, memoryTracer, parentOf } from "../support/otel.js";

const uniq = () => Math.random().toString(36).slice(2, 8);

describe("observability traces", () => {
  const { provider, exporter } = memoryTracer();
  let transport: Transport;
  before(async () => {
    installContextManager();
    transport = await getRpcTransport("zmq://", { tracerProvider: provider });
  });
  after(async () => {
    await transport.close();
  });

  test("traces - a call gives a CLIENT span and a SERVER span of one trace, the server span the client span's child, with the RPC attributes", async () => {
    exporter.reset();
    const topic = `tr-${uniq()}`;
    const server = getRpcServer(transport, { topic, server: "s1" }, [{ echo: (_c: unknown, a: { v: number }) => a.v }]);
    await server.start();
    const client = new RpcClient(transport, { topic });
    assert.equal(await client.call({}, "echo", { v: 7 }), 7);
    await server.stop();
    const spans = exporter.getFinishedSpans();
    const c = spans.find((s) => s.kind === SpanKind.CLIENT);
    const s = spans.find((x) => x.kind === SpanKind.SERVER);
    assert.ok(c && s, `a CLIENT and a SERVER span: ${spans.map((x) => `${x.name}/${x.kind}`).join(", ")}`);
    assert.equal(c.name, `${topic}/echo`);
    assert.equal(s.name, `${topic}/echo`);
    assert.equal(s.spanContext().traceId, c.spanContext().traceId);
    assert.equal(parentOf(s), c.spanContext().spanId);
    for (const span of [c, s]) {
      assert.equal(span.attributes["rpc.system"], "oslo_messaging");
      assert.equal(span.attributes["rpc.service"], topic);
      assert.equal(span.attributes["rpc.method"], "echo");
      assert.equal(span.attributes["oslo_messaging.exchange"], "openstack");
      assert.equal(span.attributes["oslo_messaging.kind"], "call");
      assert.equal(span.status.code, SpanStatusCode.UNSET);
    }
    assert.equal(typeof c.attributes["messaging.message.id"], "string");
    assert.equal(s.attributes["messaging.message.id"], c.attributes["messaging.message.id"]);
    assert.equal(s.attributes["server.address"], server.host);
    assert.equal(s.attributes["oslo_messaging.server"], "s1");
  });

  test("traces - a cast gives a PRODUCER span and a CONSUMER span of one trace", async () => {
    exporter.reset();
    const topic = `tr-${uniq()}`;
    let got!: () => void;
    const done = new Promise<void>((r) => (got = r));
    const server = getRpcServer(transport, { topic, server: "s1" }, [{ note: () => got() }]);
    await server.start();
    await new RpcClient(transport, { topic }).cast({}, "note");
    await done;
    await server.stop();
    const spans = exporter.getFinishedSpans();
    const p = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const c = spans.find((s) => s.kind === SpanKind.CONSUMER);
    assert.ok(p && c);
    assert.equal(c.spanContext().traceId, p.spanContext().traceId);
    assert.equal(parentOf(c), p.spanContext().spanId);
    assert.equal(p.attributes["messaging.system"], "oslo_messaging");
  });

  test("traces - a timed-out call's span has status ERROR and error.type MessagingTimeout", async () => {
    exporter.reset();
    const topic = `tr-nobody-${uniq()}`;
    const client = new RpcClient(transport, { topic, server: "gone" }, { timeoutMs: 50 });
    await assert.rejects(client.call({}, "echo"), MessagingTimeout);
    const [c] = exporter.getFinishedSpans();
    assert.ok(c);
    assert.equal(c.kind, SpanKind.CLIENT);
    assert.equal(c.status.code, SpanStatusCode.ERROR);
    assert.equal(c.attributes["error.type"], "MessagingTimeout");
    assert.ok(c.events.some((e) => e.name === "exception"));
  });

  test("traces - a handler that throws gives a SERVER span with status ERROR, and its CLIENT span too", async () => {
    exporter.reset();
    const topic = `tr-${uniq()}`;
    const server = getRpcServer(transport, { topic, server: "s1" }, [
      {
        boom: () => {
          throw new RangeError("no");
        },
      },
    ]);
    await server.start();
    await assert.rejects(new RpcClient(transport, { topic }).call({}, "boom"), RangeError);
    await server.stop();
    const spans = exporter.getFinishedSpans();
    const s = spans.find((x) => x.kind === SpanKind.SERVER);
    const c = spans.find((x) => x.kind === SpanKind.CLIENT);
    assert.equal(s?.status.code, SpanStatusCode.ERROR);
    assert.equal(s?.attributes["error.type"], "RangeError");
    assert.equal(c?.status.code, SpanStatusCode.ERROR);
  });

  test("traces - a handler that calls another service: the nested CLIENT span is the SERVER span's child, one trace, and the handler's own span nests too", async () => {
    exporter.reset();
    const front = `tr-front-${uniq()}`;
    const back = `tr-back-${uniq()}`;
    const backClient = new RpcClient(transport, { topic: back });
    const tracer = provider.getTracer("app");
    const s2 = getRpcServer(transport, { topic: back, server: "b" }, [
      { double: (_c: unknown, a: { n: number }) => a.n * 2 },
    ]);
    const s1 = getRpcServer(transport, { topic: front, server: "f" }, [
      {
        work: async (ctx: Record<string, unknown>, a: { n: number }) => {
          const own = tracer.startSpan("own-work");
          own.end();
          return backClient.call(ctx, "double", a);
        },
      },
    ]);
    await s2.start();
    await s1.start();
    assert.equal(await new RpcClient(transport, { topic: front }).call({}, "work", { n: 4 }), 8);
    await s1.stop();
    await s2.stop();
    const spans = exporter.getFinishedSpans();
    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    assert.equal(traceIds.size, 1, "every span in one trace");
    const byName = (name: string, kind: SpanKind) => spans.find((s) => s.name === name && s.kind === kind)!;
    const outer = byName(`${front}/work`, SpanKind.CLIENT);
    const frontServer = byName(`${front}/work`, SpanKind.SERVER);
    const inner = byName(`${back}/double`, SpanKind.CLIENT);
    const backServer = byName(`${back}/double`, SpanKind.SERVER);
    const own = spans.find((s) => s.name === "own-work")!;
    assert.equal(parentOf(frontServer), outer.spanContext().spanId);
    assert.equal(parentOf(inner), frontServer.spanContext().spanId, "the third span nests under the server span");
    assert.equal(parentOf(own), frontServer.spanContext().spanId);
    assert.equal(parentOf(backServer), inner.spanContext().spanId);
  });

  test("traces - a notification gives one PRODUCER span named <topic>.<priority> send and a CONSUMER span <topic>.<priority> process at the listener, its child", async () => {
    exporter.reset();
    const topic = `tr-notify-${uniq()}`;
    let got!: () => void;
    const done = new Promise<void>((r) => (got = r));
    const l = getNotificationListener(transport, [{ topic }], [{ info: () => got() }]);
    await l.start();
    await new Notifier(transport, { topics: [topic] }).info({}, "compute.start", { n: 1 });
    await done;
    await l.stop();
    const [p] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.PRODUCER);
    assert.ok(p);
    assert.equal(p.name, `${topic}.info send`);
    assert.equal(p.attributes["rpc.method"], "compute.start");
    assert.equal(p.attributes["oslo_messaging.kind"], "notify");
    // The listener's side: one CONSUMER span per notification, the PRODUCER span's child.
    const [c] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
    assert.ok(c);
    assert.equal(c.name, `${topic}.info process`);
    assert.equal(c.spanContext().traceId, p.spanContext().traceId);
    assert.equal(parentOf(c), p.spanContext().spanId);
    assert.equal(c.attributes["rpc.method"], "compute.start");
  });

  test("traces - without an SDK (the global no-op provider) no span is active in a handler", async () => {
    const plain = await getRpcTransport("zmq://");
    try {
      const topic = `tr-plain-${uniq()}`;
      let active: unknown = "unset";
      const server = getRpcServer(plain, { topic, server: "s" }, [
        {
          look: () => {
            active = trace.getActiveSpan();
            return 1;
          },
        },
      ]);
      await server.start();
      exporter.reset();
      await new RpcClient(plain, { topic }).call({}, "look");
      assert.equal(active, undefined);
      assert.deepEqual(exporter.getFinishedSpans(), []);
    } finally {
      await plain.close();
    }
  });
});
