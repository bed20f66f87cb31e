/**
 * Goal: metrics through the OpenTelemetry API (spec/observability.md, "Metrics"): the
 * request counters and latency histograms move as calls are made, by outcome, and the
 * observable instruments report the pool and the servers.
 * Method: the SDK's MeterProvider with a manual reader, passed as DriverOptions.meterProvider.
 * Direct routing only: it checks the driver's own instruments and pool (the same code in
 * both modes), not what travels between processes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getRpcServer, getRpcTransport, MessagingTimeout, RpcClient, type Transport } from "../../src/index.js";
import { memoryMeter, points } from "../support/otel.js";

describe("observability metrics", () => {
  const { provider, collect } = memoryMeter();
  let transport: Transport;
  before(async () => {
    transport = await getRpcTransport("zmq://", { meterProvider: provider });
  });
  after(async () => {
    await transport.close();
  });

  test("metrics - counters and histograms move as calls are made, by outcome; observables report pool and servers", async () => {
    const topic = `mt-${Math.random().toString(36).slice(2, 8)}`;
    const server = getRpcServer(transport, { topic, server: "s1" }, [{ echo: (_c: unknown, a: { v: number }) => a.v }]);
    await server.start();
    const client = new RpcClient(transport, { topic });
    for (let i = 0; i < 5; i++) await client.call({}, "echo", { v: i });
    await client.cast({}, "echo", { v: 0 });
    await assert.rejects(
      new RpcClient(transport, { topic: `${topic}-nobody` }, { timeoutMs: 30 }).call({}, "echo"),
      MessagingTimeout,
    );
    const m = await collect();
    const ok = points(m, "rpc.client.requests", { "rpc.service": topic, "oslo_messaging.kind": "call", outcome: "ok" });
    assert.equal(ok[0]?.value, 5);
    const casts = points(m, "rpc.client.requests", { "rpc.service": topic, "oslo_messaging.kind": "cast" });
    assert.equal(casts[0]?.value, 1);
    const timeouts = points(m, "rpc.client.requests", { outcome: "timeout" });
    assert.equal(timeouts[0]?.value, 1);
    const hist = points(m, "rpc.client.duration", { "rpc.service": topic, outcome: "ok" })[0]?.value as
      | { count: number; sum: number }
      | undefined;
    assert.equal(hist?.count, 5);
    assert.ok(hist.sum >= 0);
    const served = points(m, "rpc.server.requests", { "rpc.service": topic, "oslo_messaging.kind": "call" });
    assert.equal(served[0]?.value, 5);
    const serverHist = points(m, "rpc.server.duration", { "rpc.service": topic })[0]?.value as
      | { count: number }
      | undefined;
    assert.ok((serverHist?.count ?? 0) >= 5);
    assert.equal(points(m, "oslo_messaging.pool.sockets.created")[0]?.value, transport.status().pool.created);
    assert.ok((points(m, "oslo_messaging.pool.sockets.open")[0]?.value as number) >= 1);
    assert.equal(points(m, "oslo_messaging.server.in_flight", { "rpc.service": topic })[0]?.value, 0);
    assert.equal(points(m, "oslo_messaging.client.pending")[0]?.value, 0);

    for (let i = 0; i < 3; i++) await client.call({}, "echo", { v: i });
    const again = await collect();
    assert.equal(
      points(again, "rpc.client.requests", { "rpc.service": topic, "oslo_messaging.kind": "call", outcome: "ok" })[0]
        ?.value,
      8,
    );
    await server.stop();
  });

  test("metrics - without a MeterProvider nothing is recorded per request (the no-op meter)", async () => {
    const plain = await getRpcTransport("zmq://");
    try {
      const { observer } = (await import("../../src/internal.js")).transportInternals(plain);
      assert.equal(observer.metrics.enabled, false);
    } finally {
      await plain.close();
    }
  });
});
