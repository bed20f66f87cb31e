/**
 * Goal: oslo.messaging's functional CastTestCase on real zeromq over loopback, plus this
 * driver's promise that a cast nobody can receive is never dropped silently, in both
 * routing modes (spec/proxy.md): direct with the in-process matchmaker, and proxy over a
 * real redis-server with two proxies in processes of their own (test/support/routing-env.ts).
 * Method: casts, then a ping call to each server as a barrier (a server applies requests
 * in arrival order and one client's messages to one server share one FIFO connection).
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { getRpcServer, MessageDeliveryFailure, RpcClient, type Transport } from "../../src/index.js";
import { startGroup, TestServerEndpoint } from "../support/fixtures.js";
import { describeRouting } from "../support/routing-env.js";

describeRouting("cast", (env) => {
  let transport: Transport;
  before(async () => {
    transport = await env().rpcTransport();
  });

  test("cast - specific server: only the named server applies the casts", async () => {
    const g = await startGroup(transport);
    const c = g.client({ server: 1 });
    await Promise.all([
      c.cast({}, "append", { text: "open" }),
      c.cast({}, "append", { text: "stack" }),
      c.cast({}, "add", { increment: 2 }),
      c.cast({}, "add", { increment: 10 }),
    ]);
    await g.sync();
    assert.ok(["openstack", "stackopen"].includes(g.endpoints[1]!.sval));
    assert.equal(g.endpoints[1]!.ival, 12);
    for (const i of [0, 2]) assert.equal(g.endpoints[i]!.ival + g.endpoints[i]!.sval.length, 0);
    await g.close();
  });

  test("cast - server in group: 20 casts spread over every server, none lost or duplicated", async () => {
    const g = await startGroup(transport);
    const c = g.client();
    for (let i = 0; i < 20; i++) await c.cast({}, "add", { increment: 1 });
    await g.sync();
    const ivals = g.endpoints.map((e) => e.ival);
    for (const v of ivals) assert.ok(v > 0 && v < 20, `each server got some: ${ivals}`);
    assert.equal(
      ivals.reduce((a, b) => a + b, 0),
      20,
    );
    await g.close();
  });

  test("cast - fanout: every server of the topic applies every cast", async () => {
    const g = await startGroup(transport);
    const c = g.client({ fanout: true });
    await c.cast({}, "append", { text: "open" });
    await c.cast({}, "append", { text: "stack" });
    await c.cast({}, "add", { increment: 2 });
    await c.cast({}, "add", { increment: 10 });
    await g.sync();
    for (const e of g.endpoints) {
      assert.equal(e.sval, "openstack");
      assert.equal(e.ival, 12);
    }
    await g.close();
  });

  test("cast - fanout ignores server and reaches the whole topic", async () => {
    const g = await startGroup(transport);
    await new RpcClient(transport, { topic: g.topic, server: g.names[0]!, fanout: true }).cast({}, "add", {
      increment: 1,
    });
    await g.sync();
    assert.deepEqual(
      g.endpoints.map((e) => e.ival),
      [1, 1, 1],
    );
    await g.close();
  });

  test("cast - to a topic with no server rejects with MessageDeliveryFailure at its deadline", async () => {
    const c = new RpcClient(transport, { topic: "nobody-home" }, { timeoutMs: 200 });
    const t0 = performance.now();
    await assert.rejects(c.cast({}, "add", { increment: 1 }), MessageDeliveryFailure);
    assert.ok(performance.now() - t0 >= 199);
    await assert.rejects(c.prepare({ fanout: true }).cast({}, "add", { increment: 1 }), MessageDeliveryFailure);
  });

  test("cast - made before the server starts: delivered once it comes up", async () => {
    const c = new RpcClient(transport, { topic: "late-cast" }, { timeoutMs: 5000 });
    const pending = c.cast({}, "add", { increment: 7 });
    const ep = new TestServerEndpoint();
    const s = getRpcServer(transport, { topic: "late-cast", server: "s" }, [ep]);
    await s.start();
    await pending;
    assert.equal(await c.call({}, "ping"), "pong");
    assert.equal(ep.ival, 7);
    await s.stop();
  });

  test("cast - a burst of 500 casts to one server is serialised through the send queue without loss", async () => {
    const g = await startGroup(transport, { count: 1 });
    // A long deadline: with acks through two proxy processes, each cast resolves at its ACK,
    // and on a loaded machine the niced proxies can take seconds over a burst (no loss).
    const c = g.client({ server: 0, timeoutMs: 30_000 });
    await Promise.all(Array.from({ length: 500 }, () => c.cast({}, "add", { increment: 1 })));
    await g.sync();
    assert.equal(g.endpoints[0]!.ival, 500);
    await g.close();
  });
});
