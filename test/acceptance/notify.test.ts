/**
 * Goal: oslo.messaging's functional NotifyTestCase and this driver's notification promises
 * (pools, batches, requeue, filters, no listener) on real zeromq over loopback with the
 * in-process matchmaker (zmq://), and again in proxy routing mode (spec/proxy.md) over a
 * real redis-server with two proxies in processes of their own, acks on
 * (test/support/routing-env.ts); with DriverOptions.acks, what a resolved and a rejected
 * info() mean. Method: the suite of test/support/notify-suite.ts, listeners and notifier
 * on two transports of one environment; a raw ROUTER registered as a pool member stands
 * for a member that never acknowledges. The raw-socket cases stay direct: a raw socket
 * stands for a listener or member on the wire, which proxy mode has only behind a proxy.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import * as zmq from "zeromq";
import {
  getNotificationListener,
  getNotificationTransport,
  MessageDeliveryFailure,
  Notifier,
  type Transport,
} from "../../src/index.js";
import {
  encodeRequest,
  InProcessMatchmaker,
  MessageType,
  NodeClock,
  notifyPoolKey,
  notifyPoolsKey,
  poolEntry,
} from "../../src/internal.js";
import { waitFor } from "../support/fixtures.js";
import { KeptLogger, RecordingEndpoint } from "../support/notify-fixtures.js";
import { notifyTestCases } from "../support/notify-suite.js";
import { addressOf } from "../support/host-address.js";
import { describeRouting } from "../support/routing-env.js";

describeRouting("notifications", (env, routing) => {
  let listening: Transport;
  let publishing: Transport;
  before(async () => {
    listening = await env().notificationTransport();
    publishing = await env().notificationTransport();
  });
  notifyTestCases("notify", () => ({ listening, publishing }));

  if (routing !== "direct") return;
  test("notify - a notification listener drops RPC requests and malformed NOTIFYs, counted, and keeps serving", async () => {
    const topic = `raw-${randomUUID().slice(0, 8)}`;
    const ep = new RecordingEndpoint();
    const l = getNotificationListener(listening, [{ topic }], [ep], { logger: new KeptLogger() });
    await l.start();
    const raw = new zmq.Dealer({ linger: 0 });
    raw.connect(addressOf(l.hosts[0]!));
    await raw.send(encodeRequest(MessageType.CALL, "c1", {}, { method: "info", args: {} }));
    await raw.send(["", "1.0", "4", "n1", JSON.stringify([{}, { message_id: "m", priority: "LOUD" }])]);
    await new Notifier(publishing, { topics: [topic], logger: new KeptLogger() }).info({}, "t", "after");
    await waitFor(() => ep.events.length === 1, 5000, "the notification after the bad input");
    assert.equal(l.stats.unsupported, 1);
    assert.equal(l.stats.malformed, 1);
    raw.close();
    await l.stop();
  });
});

describe("notifications over zmq:// with acknowledged delivery", () => {
  let matchmaker: InProcessMatchmaker;
  let listening: Transport;
  let publishing: Transport;
  const acks = { acks: true, ackTimeoutMs: 50, ackResendsPerHost: 1 } as const;
  before(async () => {
    matchmaker = new InProcessMatchmaker(new NodeClock());
    listening = await getNotificationTransport("zmq://", { matchmaker, ...acks });
    publishing = await getNotificationTransport("zmq://", { matchmaker, ...acks });
  });
  after(async () => {
    await publishing.close();
    await listening.close();
  });

  test("notify with acks - info() resolves once the pool member acknowledged each copy", async () => {
    const topic = `ack-${randomUUID().slice(0, 8)}`;
    const [a, b] = [new RecordingEndpoint(), new RecordingEndpoint()];
    const ls = [a, b].map((ep) =>
      getNotificationListener(listening, [{ topic }], [ep], { pool: "p", logger: new KeptLogger() }),
    );
    await Promise.all(ls.map((l) => l.start()));
    const n = new Notifier(publishing, { topics: [topic], logger: new KeptLogger() });
    for (let i = 0; i < 6; i++) await n.info({}, "t", i);
    assert.equal(ls[0]!.stats.acks + ls[1]!.stats.acks, 6, "one ACK per copy");
    assert.equal(n.stats.copiesDelivered, 6);
    await waitFor(() => a.events.length + b.events.length === 6, 5000, "six events");
    await Promise.all(ls.map((l) => l.stop()));
  });

  test("notify with acks - a pool member that never acknowledges: its copies reject naming it, not retryable, and never move to the other member", async () => {
    const topic = `ack-silent-${randomUUID().slice(0, 8)}`;
    const silent = new zmq.Router({ linger: 0 });
    await silent.bind("tcp://127.0.0.1:*");
    const address = silent.lastEndpoint!;
    await matchmaker.register(notifyPoolKey({ topic }, "info", "p"), address, null);
    await matchmaker.register(notifyPoolsKey({ topic }, "info"), poolEntry("p", address), null);
    const live = new RecordingEndpoint();
    const l = getNotificationListener(listening, [{ topic }], [live], { pool: "p", logger: new KeptLogger() });
    await l.start();
    const n = new Notifier(publishing, { topics: [topic], logger: new KeptLogger() });
    const resolved: number[] = [];
    const failures: MessageDeliveryFailure[] = [];
    for (let i = 0; i < 4; i++) {
      await n.info({}, "t", i).then(
        () => resolved.push(i),
        (e: unknown) => failures.push(e as MessageDeliveryFailure),
      );
    }
    assert.ok(failures.length >= 1, "round robin picked the silent member at least once");
    for (const err of failures) {
      assert.ok(err instanceof MessageDeliveryFailure, String(err));
      assert.equal(err.host, address);
      assert.equal(err.retryable, false, "the member may still handle it");
      assert.match(err.message, /reached 0 of 1 pools/);
    }
    await waitFor(() => live.events.length === resolved.length, 5000, "the resolved copies at the live member");
    assert.deepEqual(live.payloads(), resolved, "the live member got exactly the copies that resolved");
    assert.equal(n.stats.copiesFailed, failures.length);
    await l.stop();
    silent.close();
  });
});
