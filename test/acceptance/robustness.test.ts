/**
 * Goal: the failure handling the RPC core promises on real sockets — malformed peer frames
 * are dropped and counted, concurrency is bounded, stop() drains in-flight work and
 * deregisters, transport close settles pending calls, late replies are not delivered.
 * Method: real zeromq.js sockets on loopback, raw DEALERs playing misbehaving peers.
 * Direct routing only: raw DEALERs connected to the server's ROUTER and entries written
 * into the matchmaker stand for peers, which proxy mode has only behind a proxy (proxy
 * failures: test/redis/proxy-modes.acceptance.test.ts, the simulator's proxy scenarios).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as zmq from "zeromq";
import {
  getRpcServer,
  MessageDeliveryFailure,
  MessagingTimeout,
  RpcClient,
  TransportClosed,
  type Transport,
} from "../../src/index.js";
import { encodeRequest, MessageType, topicKey, transportInternals } from "../../src/internal.js";
import { newTransport, startGroup, TestServerEndpoint, waitFor } from "../support/fixtures.js";
import { addressOf } from "../support/host-address.js";

describe("robustness", () => {
  let transport: Transport;
  before(async () => {
    transport = await newTransport();
  });
  after(async () => {
    await transport.close();
  });

  test("server - malformed frames from a peer are dropped and counted; the server keeps serving", async () => {
    const g = await startGroup(transport, { count: 1 });
    const raw = new zmq.Dealer({ linger: 0 });
    raw.connect(addressOf(g.servers[0]!.host!));
    const garbage: (string | Buffer)[][] = [
      ["just one frame"],
      ["", "9.9", "1", "id", '[{}, {"method": "add"}]'],
      ["", "1.0", "7", "id", "[{}, {}]"],
      ["", "1.0", "1", "id", "not json"],
      ["", "1.0", "1", "id", '[{}, {"args": {}}]'],
      ["", "1.0", "1", "id", '[[], {"method": "add"}]'],
      ["x", "1.0", "1", "id", '[{}, {"method": "add"}]'],
    ];
    for (const m of garbage) await raw.send(m);
    // A well-formed request on the same connection arrives after the garbage (FIFO).
    await raw.send(encodeRequest(MessageType.CALL, "good-1", {}, { method: "add", args: { increment: 4 } }));
    const [, , , id, payload] = await raw.receive();
    assert.equal(id!.toString(), "good-1");
    assert.deepEqual(JSON.parse(payload!.toString()), [4, null]);
    assert.equal(g.servers[0]!.stats.malformed, garbage.length);
    assert.equal(await g.client({ server: 0 }).call({}, "add", { increment: 1 }), 5);
    raw.close();
    await g.close();
  });

  test("server - maxConcurrency bounds the requests running at once; the rest queue and complete", async () => {
    const g = await startGroup(transport, { count: 1, maxConcurrency: 2 });
    const c = g.client({ server: 0 });
    const slow = Array.from({ length: 5 }, () => c.call({}, "longRunningTask"));
    await c.cast({}, "add", { increment: 1 }); // queued behind the slow ones
    // Release the latches until all five complete; each release frees slots for queued work.
    while (g.servers[0]!.stats.handled < 6) {
      g.endpoints[0]!.release();
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await Promise.all(slow), Array(5).fill("done"));
    assert.equal(g.servers[0]!.stats.maxInFlight, 2);
    assert.equal(g.endpoints[0]!.ival, 1);
    await g.close();
  });

  test("server - stop() deregisters at once, finishes in-flight calls, then wait() resolves", async () => {
    const g = await startGroup(transport, { count: 1 });
    const c = g.client({ server: 0 });
    const inflight = c.call({}, "longRunningTask");
    await c.call({}, "ping"); // the slow call has been received before this reply
    const stopped = g.servers[0]!.stop();
    let waited = false;
    const waiting = g.servers[0]!.wait().then(() => (waited = true));
    await new Promise((r) => setImmediate(r));
    const mm = transportInternals(transport).deps.matchmaker;
    assert.deepEqual(
      await mm.getHosts(topicKey({ topic: g.topic })),
      [],
      "deregistered before in-flight work finished",
    );
    assert.equal(waited, false, "wait() is pending while a call is in flight");
    g.endpoints[0]!.release();
    assert.equal(await inflight, "done", "the in-flight call got its reply");
    await stopped;
    await waiting;
    assert.equal(waited, true);
  });

  test("client - a reply arriving after the timeout is counted as stale, never delivered", async () => {
    const g = await startGroup(transport, { count: 1 });
    const before = transportInternals(transport).engine.stats.staleReplies;
    await assert.rejects(g.client({ server: 0, timeoutMs: 100 }).call({}, "longRunningTask"), MessagingTimeout);
    g.endpoints[0]!.release();
    await g.client({ server: 0 }).call({}, "ping"); // the late reply travelled before this one
    assert.equal(transportInternals(transport).engine.stats.staleReplies, before + 1);
    await g.close();
  });

  test("transport - close() rejects pending calls with TransportClosed and refuses new ones", async () => {
    const t = await newTransport();
    const ep = new TestServerEndpoint();
    const s = getRpcServer(t, { topic: "closing", server: "s" }, [ep]);
    await s.start();
    const c = new RpcClient(t, { topic: "nobody" }, { timeoutMs: 10_000 });
    const pending = c.call({}, "x");
    await t.close();
    await assert.rejects(pending, TransportClosed);
    await assert.rejects(c.call({}, "x"), TransportClosed);
    await s.wait();
  });

  test("server - a reply to a client that vanished is dropped and counted, the server survives", async () => {
    const g = await startGroup(transport, { count: 1 });
    const raw = new zmq.Dealer({ linger: 0 });
    raw.connect(addressOf(g.servers[0]!.host!));
    await raw.send(encodeRequest(MessageType.CALL, "orphan", {}, { method: "longRunningTask", args: {} }));
    // The orphan call is running (a ping on another connection proves nothing about its arrival).
    await waitFor(() => g.endpoints[0]!.running === 1, 5000, "the orphan call to start");
    raw.close();
    // Only once the ROUTER has seen the peer go does its reply fail (EHOSTUNREACH).
    await waitFor(() => g.servers[0]!.stats.peerDisconnects > 0, 5000, "the server to see the client go");
    g.endpoints[0]!.release();
    await waitFor(() => g.servers[0]!.stats.handled === 1, 5000, "the orphan call to finish");
    await g.client({ server: 0 }).call({}, "ping");
    assert.equal(g.servers[0]!.stats.replyFailures, 1);
    assert.equal(await g.client({ server: 0 }).call({}, "ping"), "pong");
    await g.close();
  });

  test("client - a registered but dead host is skipped: sends fail over to a live server; with none, MessageDeliveryFailure", async () => {
    const t = await newTransport({ sendTimeoutMs: 50, hostWaitIntervalMs: 20 });
    const g = await startGroup(t, { count: 1 });
    const mm = transportInternals(t).deps.matchmaker;
    const key = topicKey({ topic: g.topic });
    await mm.register(key, "tcp://127.0.0.1:1", null); // nothing listens on port 1
    const c = new RpcClient(t, { topic: g.topic }, { timeoutMs: 5000 });
    for (let i = 0; i < 4; i++) assert.equal(await c.call({}, "add", { increment: 1 }), i + 1);
    assert.ok(
      transportInternals(t).engine.stats.sendRetries >= 1,
      "at least one send went to the dead host first and was retried",
    );
    await g.close();
    const alone = new RpcClient(t, { topic: g.topic }, { timeoutMs: 300 });
    await assert.rejects(alone.cast({}, "add", { increment: 1 }), MessageDeliveryFailure);
    await assert.rejects(alone.prepare({ retry: 0 }).cast({}, "add", { increment: 1 }), MessageDeliveryFailure);
    await t.close();
  });

  test("server - back-pressure: with maxQueuedRequests waiting it stops reading; nothing is lost when it resumes", async () => {
    // One message per send (no batches): then every read is one request.
    const t = await newTransport({ maxQueuedRequests: 2, coalesceMaxMessages: 1 });
    const g = await startGroup(t, { count: 1, maxConcurrency: 1 });
    try {
      const c = g.client({ server: 0 });
      await Promise.all(Array.from({ length: 10 }, () => c.cast({}, "longRunningTask")));
      const stats = g.servers[0]!.stats;
      while (stats.backpressurePauses === 0) await new Promise((r) => setTimeout(r, 5));
      assert.equal(stats.received, 3, "one running and two queued; the other seven wait in libzmq's buffers");
      while (stats.handled < 10) {
        g.endpoints[0]!.release();
        await new Promise((r) => setTimeout(r, 1));
      }
      assert.equal(stats.received, 10);
      assert.equal(stats.maxInFlight, 1);
    } finally {
      await g.close();
      await t.close();
    }
  });

  test("server - back-pressure with batches: a batch is one read, so the queue may pass the limit by one batch; it pauses, nothing is lost", async () => {
    const t = await newTransport({ maxQueuedRequests: 2 });
    const g = await startGroup(t, { count: 1, maxConcurrency: 1 });
    try {
      const c = g.client({ server: 0 });
      await Promise.all(Array.from({ length: 30 }, () => c.cast({}, "longRunningTask")));
      const stats = g.servers[0]!.stats;
      while (stats.backpressurePauses === 0) await new Promise((r) => setTimeout(r, 5));
      assert.ok(stats.batchesReceived >= 1, "the casts came in batches");
      assert.ok(
        stats.received < 30 || stats.batchesReceived === 1,
        "reading stopped, unless one batch carried them all",
      );
      while (stats.handled < 30) {
        g.endpoints[0]!.release();
        await new Promise((r) => setTimeout(r, 1));
      }
      assert.equal(stats.received, 30);
      assert.equal(stats.maxInFlight, 1);
    } finally {
      await g.close();
      await t.close();
    }
  });
});
