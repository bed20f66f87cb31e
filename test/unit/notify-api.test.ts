/**
 * Goal: the notification API refuses bad input at once, in the driver's one shape
 * (spec/api.md, "Bad input"), and its small promises hold without a listener: prepare
 * overrides and shares stats, a notifier without topics is disabled, a payload JSON
 * cannot carry and a context with "_zmq" reject before anything is sent, a closed
 * transport rejects with TransportClosed.
 * Method: a real zmq:// transport with its own in-process matchmaker; nothing listens.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  getBatchNotificationListener,
  getNotificationListener,
  getNotificationTransport,
  InvalidTarget,
  NotificationFilter,
  Notifier,
  TransportClosed,
  type Transport,
} from "../../src/index.js";
import {
  decodeRequest,
  InProcessMatchmaker,
  NodeClock,
  notificationFrames,
  transportInternals,
  type NotifyRequest,
} from "../../src/internal.js";
import { KeptLogger } from "../support/notify-fixtures.js";

describe("notification API", () => {
  let t: Transport;
  before(async () => {
    t = await getNotificationTransport("zmq://", { matchmaker: new InProcessMatchmaker(new NodeClock()) });
  });
  after(async () => {
    await t.close();
  });
  const ep = { info() {} };

  test("notify api - bad notifier options are TypeError or RangeError naming the option", () => {
    assert.throws(() => new Notifier({} as Transport), /Notifier: transport must be a Transport/);
    assert.throws(() => new Notifier(t, { topics: "x" } as never), /options\.topics must be an array/);
    assert.throws(() => new Notifier(t, { topics: [""] }), /options\.topics\[0\] must be a non-empty string/);
    assert.throws(() => new Notifier(t, { retry: 1.5 }), RangeError);
    assert.throws(() => new Notifier(t, { publisherId: 5 } as never), /options\.publisherId must be a string/);
    assert.throws(() => new Notifier(t, { timeoutMs: -1 }), RangeError);
    assert.throws(() => new Notifier(t, { logger: {} } as never), /options\.logger\.warn must be a function/);
    assert.throws(() => new Notifier(t, { exchange: "x" } as never), /has no option "exchange"/);
    assert.throws(() => new Notifier(t).prepare({ timeoutMs: 5 } as never), /has no option "timeoutMs"/);
  });

  test("notify api - bad listener arguments are TypeError, RangeError or InvalidTarget naming them", () => {
    assert.throws(() => getNotificationListener(t, [], [ep]), /targets must be a non-empty array/);
    assert.throws(() => getNotificationListener(t, [{}], [ep]), InvalidTarget);
    assert.throws(() => getNotificationListener(t, [{ topic: 5 } as never], [ep]), InvalidTarget);
    assert.throws(
      () => getNotificationListener(t, [{ topic: "a" }], [{ other() {} }]),
      /method named after a priority/,
    );
    assert.throws(() => getNotificationListener(t, [{ topic: "a" }], [ep], { pool: "" }), RangeError);
    assert.throws(() => getNotificationListener(t, [{ topic: "a" }], [ep], { maxRequeues: -1 }), RangeError);
    assert.throws(() => getNotificationListener(t, [{ topic: "a" }], [ep], { batchSize: 5 } as never), /no option/);
    assert.throws(() => getBatchNotificationListener(t, [{ topic: "a" }], [ep], { batchSize: 0 }), RangeError);
    assert.throws(() => getBatchNotificationListener(t, [{ topic: "a" }], [ep], { batchTimeoutMs: -1 }), RangeError);
    assert.throws(() => getBatchNotificationListener(t, [{ topic: "a" }], [ep], { maxConcurrency: 2 } as never));
    assert.throws(
      () => getNotificationListener(t, [{ topic: "a" }], [{ info() {}, filterRule: { eventType: "x" } }]),
      /filterRule must be a NotificationFilter/,
    );
    assert.doesNotThrow(() =>
      getNotificationListener(t, [{ topic: "a" }], [{ info() {}, filterRule: new NotificationFilter({}) }]),
    );
  });

  test("notify api - prepare overrides publisherId, topics and retry and shares the stats; no topics: disabled", async () => {
    const n = new Notifier(t, { publisherId: "a", topics: ["x"], logger: new KeptLogger() });
    const p = n.prepare({ publisherId: "b", topics: [] });
    assert.equal(p.publisherId, "b");
    assert.deepEqual(p.topics, []);
    assert.equal(p.retry, null);
    assert.equal(n.isEnabled(), true);
    assert.equal(p.isEnabled(), false);
    await p.info({}, "t", 1);
    assert.equal(n.stats.notifications, 0, "a disabled notifier publishes nothing");
    await n.info({}, "t", 1);
    assert.equal(p.stats.notifications, 1, "shared with the prepared one");
    assert.equal(p.stats.unrouted, 1);
  });

  test("notify api - a context with _zmq, a payload JSON cannot carry or a bad event type reject before sending", async () => {
    const n = new Notifier(t, { topics: ["x"], logger: new KeptLogger() });
    await assert.rejects(n.info({ _zmq: {} }, "t", 1), /ctx\._zmq must be absent/);
    await assert.rejects(n.info({}, "t", { big: 1n }), /payload\.big is a BigInt/);
    await assert.rejects(n.info({}, 5 as never, 1), /eventType must be a string/);
    await assert.rejects(n.info([] as never, "t", 1), /ctx must be a plain object/);
    assert.equal(n.stats.notifications, 0);
  });

  test("notify api - a notification is marked _zmq.once (acks off, direct routing: a copy is sent to a pool at most once); with acks it is not", async () => {
    const onceOf = async (transport: Transport): Promise<boolean> => {
      const listener = getNotificationListener(transport, [{ topic: "once" }], [ep], { pool: "p" });
      await listener.start();
      const engine = transportInternals(transport).engine;
      const sent: NotifyRequest[] = [];
      const notify = engine.notify.bind(engine);
      engine.notify = (req: NotifyRequest) => {
        sent.push(req);
        return notify(req);
      };
      await new Notifier(transport, { topics: ["once"], logger: new KeptLogger() }).info({}, "e", 1);
      await listener.stop();
      assert.equal(sent.length, 1);
      const r = decodeRequest([Buffer.from("p"), ...notificationFrames("x", sent[0]!.payload)]);
      assert.ok(r.ok);
      return r.value.once;
    };
    assert.equal(await onceOf(t), true);
    const acked = await getNotificationTransport("zmq://", {
      matchmaker: new InProcessMatchmaker(new NodeClock()),
      acks: true,
    });
    try {
      assert.equal(await onceOf(acked), false);
    } finally {
      await acked.close();
    }
  });

  test("notify api - after the transport closed, info() rejects with TransportClosed", async () => {
    const closed = await getNotificationTransport("zmq://", { matchmaker: new InProcessMatchmaker(new NodeClock()) });
    await closed.close();
    await assert.rejects(new Notifier(closed).info({}, "t", 1), TransportClosed);
  });
});
