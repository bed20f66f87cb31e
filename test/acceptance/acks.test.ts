/**
 * Goal: acknowledged delivery on real sockets (spec/delivery.md, "Acknowledged delivery").
 * With DriverOptions.acks, a cast resolves only once a server acknowledged it; a host that
 * never acknowledges gets the same message again, then is believed dead, and then an
 * idempotent request moves to another server while any other fails with
 * MessageDeliveryFailure naming the host; a request addressed to one server never moves;
 * a dropped connection makes the host believed dead at once.
 * Method: one real server on a topic, plus a "silent host": a raw zeromq.js ROUTER that
 * reads everything and answers nothing, registered in the same in-process matchmaker under
 * the topic's key (and under a server key of its own). It counts the copies of each
 * message id it receives.
 * Direct routing only: the silent host is a raw ROUTER the client connects to, and in
 * proxy mode clients connect to proxies only; acks through proxies are tested in
 * test/redis/proxy-modes.acceptance.test.ts and test/unit/proxy-hops.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as zmq from "zeromq";
import { MessageDeliveryFailure, RpcClient, type Transport } from "../../src/index.js";
import {
  decodeRequest,
  InProcessMatchmaker,
  NodeClock,
  serverKey,
  topicKey,
  transportInternals,
} from "../../src/internal.js";
import { newTransport, startGroup, waitFor, type Group } from "../support/fixtures.js";

const ACK_TIMEOUT_MS = 100;
const RESENDS = 1;

/** A host that reads every request and never answers; counts the copies of each message id. */
class SilentHost {
  readonly router = new zmq.Router({ linger: 0 });
  readonly copies = new Map<string, number>();
  host = "";

  async start(): Promise<void> {
    await this.router.bind("tcp://127.0.0.1:*");
    this.host = this.router.lastEndpoint!;
    void (async () => {
      try {
        for await (const frames of this.router) {
          const r = decodeRequest(frames);
          if (r.ok) this.copies.set(r.value.messageId, (this.copies.get(r.value.messageId) ?? 0) + 1);
        }
      } catch {
        // closed
      }
    })();
  }

  close(): void {
    this.router.close();
  }
}

describe("acknowledged delivery", () => {
  const mm = new InProcessMatchmaker(new NodeClock());
  let transport: Transport;
  let g: Group;
  let silent: SilentHost;
  const stats = () => transportInternals(transport).engine.stats;
  /** A new silent host in place of the last: a host found dead stays open in the client's breaker a while. */
  const freshSilentHost = async () => {
    silent.close();
    await mm.unregister(topicKey({ topic: g.topic }), silent.host);
    await mm.unregister(serverKey({ topic: g.topic, server: "silent" }), silent.host);
    silent = new SilentHost();
    await silent.start();
    await mm.register(topicKey({ topic: g.topic }), silent.host, null);
    await mm.register(serverKey({ topic: g.topic, server: "silent" }), silent.host, null);
  };

  before(async () => {
    transport = await newTransport({
      matchmaker: mm,
      acks: true,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      ackResendsPerHost: RESENDS,
    });
    g = await startGroup(transport, { count: 1 });
    silent = new SilentHost();
    await silent.start();
    await mm.register(topicKey({ topic: g.topic }), silent.host, null);
    await mm.register(serverKey({ topic: g.topic, server: "silent" }), silent.host, null);
  });
  after(async () => {
    silent.close();
    await g.close();
    await transport.close();
  });

  test("acks - a cast to a live server resolves once acknowledged, and runs once", async () => {
    const before = stats().acks;
    await g.client({ server: 0 }).cast({}, "append", { text: "a" });
    assert.ok(stats().acks > before, "the cast's ACK was counted");
    await g.sync();
    assert.deepEqual(
      g.endpoints[0]!.received.filter((r) => r === "append:a"),
      ["append:a"],
    );
  });

  test("acks - idempotent calls to a topic with a silent host all succeed through the live server; the silent one got each of its ids at most 1 + ackResendsPerHost times", async () => {
    const client = new RpcClient(transport, { topic: g.topic }, { timeoutMs: 5000, idempotent: true });
    const increments = [101, 102, 103, 104, 105, 106];
    const results = await Promise.all(increments.map((n) => client.call({}, "add", { increment: n })));
    assert.equal(results.length, increments.length);
    const ran = g.endpoints[0]!.received.filter((r) => /^add:10[1-6]$/.test(r)).sort();
    assert.deepEqual(ran, increments.map((n) => `add:${n}`).sort(), "each ran once, on the live server");
    assert.ok(silent.copies.size > 0, "round robin sent some to the silent host first");
    for (const [id, n] of silent.copies) assert.ok(n <= 1 + RESENDS, `${id}: ${n} copies`);
    assert.ok(stats().failovers >= 1, "some moved");
  });

  test("acks - non-idempotent calls that went to the silent host fail with MessageDeliveryFailure naming it, not retryable; none of them ran on the live server", async () => {
    await freshSilentHost();
    const client = new RpcClient(transport, { topic: g.topic }, { timeoutMs: 5000 });
    const increments = [201, 202, 203, 204, 205, 206];
    const started = Date.now();
    const outcomes = await Promise.allSettled(increments.map((n) => client.call({}, "add", { increment: n })));
    const elapsedMs = Date.now() - started;
    await g.sync();
    const ran = new Set(g.endpoints[0]!.received);
    let failed = 0;
    outcomes.forEach((o, i) => {
      const marker = `add:${increments[i]}`;
      if (o.status === "fulfilled") assert.ok(ran.has(marker), `${marker} resolved, so it ran on the live server`);
      else {
        failed++;
        assert.ok(o.reason instanceof MessageDeliveryFailure, String(o.reason));
        assert.equal(o.reason.host, silent.host);
        assert.equal(o.reason.retryable, false);
        assert.match(o.reason.message, /believed dead; not moved to another server because it is not idempotent/);
        assert.ok(!ran.has(marker), `${marker} failed, and never ran on the live server`);
      }
    });
    assert.ok(failed >= 1 && failed < increments.length, `${failed} of ${increments.length} failed`);
    assert.equal(silent.copies.size, failed, "each failed call is one the silent host received");
    for (const n of silent.copies.values()) assert.equal(n, 1 + RESENDS, "sent, then resent ackResendsPerHost times");
    assert.ok(elapsedMs < 5000, `failed before the deadline (${elapsedMs} ms)`);
  });

  test("acks - an idempotent call addressed to one server never moves: it fails naming that server's host", async () => {
    await freshSilentHost();
    const client = new RpcClient(
      transport,
      { topic: g.topic, server: "silent" },
      { timeoutMs: 5000, idempotent: true },
    );
    await assert.rejects(client.call({}, "ping"), (err: unknown) => {
      assert.ok(err instanceof MessageDeliveryFailure);
      assert.equal(err.host, silent.host);
      assert.match(err.message, /because it is addressed to one server/);
      return true;
    });
  });

  test("acks - a cast nobody acknowledges is not reported delivered", async () => {
    await freshSilentHost();
    const client = new RpcClient(transport, { topic: g.topic, server: "silent" }, { timeoutMs: 5000 });
    await assert.rejects(client.cast({}, "append", { text: "lost" }), MessageDeliveryFailure);
  });
});

describe("acknowledged delivery - a dropped connection", () => {
  test("acks - a host whose connection drops is believed dead at once: a call waiting for its ACK fails long before the ACK timeout", async () => {
    const mm = new InProcessMatchmaker(new NodeClock());
    const transport = await newTransport({ matchmaker: mm, acks: true, ackTimeoutMs: 20_000 });
    const silent = new SilentHost();
    await silent.start();
    try {
      await mm.register(serverKey({ topic: "t-drop", server: "s" }), silent.host, null);
      const client = new RpcClient(transport, { topic: "t-drop", server: "s" }, { timeoutMs: 30_000 });
      const started = Date.now();
      const outcome = client.call({}, "ping").then(
        () => assert.fail("resolved"),
        (err: unknown) => err,
      );
      await waitFor(() => silent.copies.size === 1, 5000, "the call to reach the silent host");
      silent.close();
      const err = await outcome;
      assert.ok(err instanceof MessageDeliveryFailure, String(err));
      assert.equal(err.host, silent.host);
      assert.match(err.message, /dropped its connection/);
      assert.ok(Date.now() - started < 20_000, "before the first ACK timeout");
    } finally {
      silent.close();
      await transport.close();
    }
  });
});
