/**
 * Goal: what a notification listener does with each notification, without sockets
 * (src/api/notification-worker.ts): batches leave when full or batchTimeoutMs after their
 * first notification on the Clock port, and at once when the listener stops; a requeue is
 * sent to the notification's own pool key with its count + 1 in "_zmq", the wire context as
 * it arrived (not what an endpoint made of it); a requeue that cannot be sent is counted and
 * logged; a notification the serializer cannot read is dropped, counted and logged.
 * Method: a ManualClock and a client engine stub that records each NOTIFY it is given.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeRequest,
  notificationFrames,
  NotificationDispatcher,
  NotificationWorker,
  noOpSerializer,
  resolveOptions,
  type ClientEngine,
  type DecodedNotification,
  type NotifyRequest,
  type Serializer,
} from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";
import { KeptLogger } from "../support/notify-fixtures.js";

const source = { target: { topic: "t" }, pool: "billing" };

function notification(i: number, requeues = 0, priority = "INFO"): DecodedNotification {
  return {
    peerId: Buffer.from("peer"),
    type: 4,
    messageId: `w${i}`,
    context: { user: "u" },
    message: {
      message_id: `m${i}`,
      publisher_id: "p",
      event_type: "e",
      priority,
      payload: { i },
      timestamp: "2024-01-01 00:00:00.000000",
    },
    deadline: undefined,
    ack: false,
    once: false,
    requeues,
  };
}

function worker(
  endpoints: object[],
  o: { batch?: { size: number; timeoutMs: number }; fail?: boolean; serializer?: Serializer } = {},
) {
  const clock = new ManualClock();
  const sent: NotifyRequest[] = [];
  const engine = {
    notify: (r: NotifyRequest) => {
      sent.push(r);
      return o.fail ? Promise.reject(new Error("no member left")) : Promise.resolve();
    },
  } as unknown as ClientEngine;
  const logger = new KeptLogger();
  const w = new NotificationWorker({
    engine,
    clock,
    options: resolveOptions({}),
    dispatcher: new NotificationDispatcher(endpoints),
    serializer: o.serializer ?? noOpSerializer,
    logger,
    allowRequeue: true,
    maxRequeues: 2,
    batch: o.batch,
  });
  return { w, clock, sent, logger };
}

const settle = () => new Promise((r) => setImmediate(r));

test("notification worker - a batch leaves when full, or batchTimeoutMs after its first notification on the Clock port", async () => {
  const batches: number[][] = [];
  const ep = { info: (ms: { payload: { i: number } }[]) => void batches.push(ms.map((m) => m.payload.i)) };
  const { w, clock } = worker([ep], { batch: { size: 3, timeoutMs: 100 } });
  const done = [0, 1, 2, 3].map((i) => w.handle(notification(i), source));
  await settle();
  assert.deepEqual(batches, [[0, 1, 2]], "full at three");
  clock.advance(99);
  await settle();
  assert.equal(batches.length, 1, "not before its time");
  clock.advance(1);
  await Promise.all(done);
  assert.deepEqual(batches, [[0, 1, 2], [3]]);
  assert.equal(clock.pending, 0, "no timer left behind");
  assert.equal(w.stats.batches, 2);
});

test("notification worker - stopping hands the batch being collected to the endpoints at once, and later ones one by one", async () => {
  const batches: number[][] = [];
  const ep = { info: (ms: { payload: { i: number } }[]) => void batches.push(ms.map((m) => m.payload.i)) };
  const { w } = worker([ep], { batch: { size: 10, timeoutMs: 60_000 } });
  const first = [w.handle(notification(0), source), w.handle(notification(1), source)];
  w.stop();
  await Promise.all(first);
  await w.handle(notification(2), source);
  assert.deepEqual(batches, [[0, 1], [2]]);
});

test("notification worker - a requeue goes to the notification's own pool key with its count + 1 and the context as it arrived", async () => {
  const ep = {
    info: (ctx: Record<string, unknown>) => {
      ctx.user = "changed by the endpoint";
      return "requeue";
    },
  };
  const { w, sent } = worker([ep]);
  await w.handle(notification(7, 1), source);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.key, "notify:openstack/t.info/billing");
  const r = decodeRequest([Buffer.from("p"), ...notificationFrames("x", sent[0]!.payload)]);
  assert.ok(r.ok && r.value.type === 4);
  assert.equal(r.value.requeues, 2);
  assert.equal(r.value.once, true, "a requeue is a new message id, sent once (acks off, direct routing)");
  assert.deepEqual(r.value.context, { user: "u" });
  assert.equal(r.value.message.message_id, "m7", "the same notification id");
  assert.equal(w.stats.requeued, 1);
});

test("notification worker - at maxRequeues the notification is dropped, counted and logged instead of requeued", async () => {
  const { w, sent, logger } = worker([{ warn: () => "requeue" }]);
  await w.handle(notification(1, 2, "WARN"), source);
  assert.equal(sent.length, 0);
  assert.equal(w.stats.requeueDropped, 1);
  assert.match(logger.lines.join("\n"), /m1 \(e\) dropped after 2 requeues \(maxRequeues 2\)/);
});

test("notification worker - a requeue that cannot be sent is counted as a requeue failure and logged as lost", async () => {
  const { w, logger } = worker([{ info: () => "requeue" }], { fail: true });
  await w.handle(notification(1), source);
  await settle();
  assert.equal(w.stats.requeued, 1);
  assert.equal(w.stats.requeueFailures, 1);
  assert.match(logger.lines.join("\n"), /could not be requeued: lost/);
});

test("notification worker - a notification the serializer cannot read is dropped, counted and logged; the next one is handled", async () => {
  const seen: unknown[] = [];
  const serializer = {
    ...noOpSerializer,
    deserializeEntity: (_c: Record<string, unknown>, e: unknown) => {
      if ((e as { i: number }).i === 0) throw new Error("unknown type");
      return e;
    },
  };
  const { w, logger } = worker(
    [{ info: (_c: unknown, _p: unknown, _t: unknown, payload: unknown) => seen.push(payload) }],
    {
      serializer,
    },
  );
  await w.handle(notification(0), source);
  await w.handle(notification(1), source);
  assert.deepEqual(seen, [{ i: 1 }]);
  assert.equal(w.stats.undeliverable, 1);
  assert.equal(w.stats.delivered, 1);
  assert.match(logger.lines.join("\n"), /could not be deserialized/);
});
