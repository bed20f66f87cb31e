/**
 * oslo.messaging's functional NotifyTestCase (tests/functional/test_functional.py, tag
 * queens-eol), ported, and the cases the zmq driver could not pass (pools; it skipped
 * test_multiple_servers) or did not have (requeue, filters, no listener), as one suite run
 * over real sockets by test/acceptance/notify.test.ts (zmq://) and test/redis/notify.test.ts
 * (zmq+redis://). Listeners and notifier use separate transports of one environment.
 * Barriers are awaited conditions on what the endpoints recorded, never sleeps.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import {
  getBatchNotificationListener,
  getNotificationListener,
  MessageDeliveryFailure,
  NotificationFilter,
  Notifier,
  type NotificationListener,
  type Transport,
} from "../../src/index.js";
import { isValidDistributionOf, waitFor } from "./fixtures.js";
import { BatchRecordingEndpoint, KeptLogger, RecordingEndpoint } from "./notify-fixtures.js";

export interface NotifyEnv {
  /** The transport listeners use. */
  listening: Transport;
  /** The transport notifiers use (another process's view in the Redis run). */
  publishing: Transport;
}

const LIMIT_MS = 10_000;

export function notifyTestCases(label: string, env: () => NotifyEnv): void {
  const fresh = () => `n-${randomUUID().slice(0, 8)}`;
  const listeners: NotificationListener[] = [];
  const listen = async (
    topics: string[],
    endpoints: object[],
    options: Parameters<typeof getNotificationListener>[3] = {},
  ): Promise<NotificationListener> => {
    const l = getNotificationListener(
      env().listening,
      topics.map((topic) => ({ topic })),
      endpoints,
      { logger: new KeptLogger(), ...options },
    );
    listeners.push(l);
    await l.start();
    return l;
  };
  const notifier = (publisherId: string, topics: string[], logger = new KeptLogger()) =>
    new Notifier(env().publishing, { publisherId, topics, logger, timeoutMs: 5000 });
  const stopAll = async () => {
    await Promise.all(listeners.splice(0).map((l) => l.stop()));
  };

  test(`${label} - simple: one info notification reaches the listener with priority, type, payload and publisher`, async () => {
    const topic = fresh();
    const ep = new RecordingEndpoint();
    await listen([topic], [ep]);
    await notifier("abc", [topic]).info({}, "test", "Hello World!");
    await waitFor(() => ep.events.length === 1, LIMIT_MS, "the event");
    assert.deepEqual(ep.events, [["info", "test", "Hello World!", "abc"]]);
    await stopAll();
  });

  test(`${label} - multiple topics: a listener on two topics gets each publisher's notification`, async () => {
    const [a, b] = [fresh(), fresh()];
    const ep = new RecordingEndpoint();
    await listen([a, b], [ep]);
    await notifier("pub-a", [a]).info({}, "type-a", "payload-a");
    await notifier("pub-b", [b]).info({}, "type-b", "payload-b");
    await waitFor(() => ep.events.length === 2, LIMIT_MS, "both events");
    assert.deepEqual(
      [...ep.events].sort((x, y) => x[1].localeCompare(y[1])),
      [
        ["info", "type-a", "payload-a", "pub-a"],
        ["info", "type-b", "payload-b", "pub-b"],
      ],
    );
    await stopAll();
  });

  test(`${label} - independent topics: listeners on topics 1 and 2 each get exactly their own 8 events`, async () => {
    const [t1, t2] = [fresh(), fresh()];
    const [e1, e2] = [new RecordingEndpoint(), new RecordingEndpoint()];
    await listen([t1], [e1]);
    await listen([t2], [e2]);
    const [n1, n2] = [notifier("pub-1", [t1]), notifier("pub-2", [t2])];
    for (let i = 0; i < 8; i++) await Promise.all([n1.info({}, "t", `1-${i}`), n2.info({}, "t", `2-${i}`)]);
    await waitFor(() => e1.events.length === 8 && e2.events.length === 8, LIMIT_MS, "16 events");
    assert.deepEqual(e1.payloads().sort(), Array.from({ length: 8 }, (_, i) => `1-${i}`).sort());
    assert.deepEqual(e2.payloads().sort(), Array.from({ length: 8 }, (_, i) => `2-${i}`).sort());
    await stopAll();
  });

  test(`${label} - all categories: each priority arrives with its priority, type and payload`, async () => {
    const topic = fresh();
    const ep = new RecordingEndpoint();
    await listen([topic], [ep]);
    const n = notifier("abc", [topic]);
    await n.debug({}, "debug-type", "debug-payload");
    await n.audit({}, "audit-type", "audit-payload");
    await n.info({}, "info-type", "info-payload");
    await n.warn({}, "warn-type", "warn-payload");
    await n.error({}, "error-type", "error-payload");
    await n.critical({}, "critical-type", "critical-payload");
    await n.sample({}, "sample-type", "sample-payload");
    await waitFor(() => ep.events.length === 7, LIMIT_MS, "seven events");
    for (const p of ["debug", "audit", "info", "warn", "error", "critical", "sample"] as const)
      assert.deepEqual(
        ep.events.find((e) => e[0] === p),
        [p, `${p}-type`, `${p}-payload`, "abc"],
      );
    await stopAll();
  });

  test(`${label} - pools compete: listeners of one pool share 8 events (each gets some, order kept), every pool and every listener without a pool gets all`, async () => {
    const topic = fresh();
    const p1 = [new RecordingEndpoint(), new RecordingEndpoint()];
    const p2 = [new RecordingEndpoint(), new RecordingEndpoint(), new RecordingEndpoint()];
    const alone = [new RecordingEndpoint(), new RecordingEndpoint()];
    for (const ep of p1) await listen([topic], [ep], { pool: "pool-1" });
    for (const ep of p2) await listen([topic], [ep], { pool: "pool-2" });
    for (const ep of alone) await listen([topic], [ep]);
    const n = notifier("abc", [topic]);
    const sent = Array.from({ length: 8 }, (_, i) => `event-${i}`);
    for (const s of sent) await n.info({}, "t", s);
    const total = (eps: RecordingEndpoint[]) => eps.reduce((k, e) => k + e.events.length, 0);
    await waitFor(
      () => total(p1) === 8 && total(p2) === 8 && alone.every((e) => e.events.length === 8),
      LIMIT_MS,
      "8 events in each pool and at each listener without a pool",
    );
    for (const pool of [p1, p2]) {
      const parts = pool.map((e) => e.payloads() as string[]);
      assert.ok(isValidDistributionOf(sent, parts), `each event once in the pool, in order: ${JSON.stringify(parts)}`);
      for (const part of parts) assert.ok(part.length > 0, `every member got some: ${JSON.stringify(parts)}`);
    }
    for (const e of alone) assert.deepEqual(e.payloads(), sent);
    const n2 = n.prepare({ publisherId: "def" });
    await n2.info({}, "t", "late");
    await waitFor(() => total(p1) === 9 && alone.every((e) => e.events.length === 9), LIMIT_MS, "one more each");
    assert.equal(n.stats.copiesDelivered, 9 * 4, "four pools (two named, two private) took each of 9");
    await stopAll();
  });

  test(`${label} - batch: 205 notifications with batchSize 100 arrive as batches of 100, 100 and 5`, async () => {
    const topic = fresh();
    const ep = new BatchRecordingEndpoint();
    const l = getBatchNotificationListener(env().listening, [{ topic }], [ep], {
      batchSize: 100,
      batchTimeoutMs: 2000,
      logger: new KeptLogger(),
    });
    listeners.push(l);
    await l.start();
    const n = notifier("abc", [topic]);
    for (let i = 0; i < 205; i++) await n.info({}, "test", `m-${i}`);
    await waitFor(() => ep.batches.length === 3, LIMIT_MS, "three batches");
    assert.deepEqual(
      ep.batches.map(([p, ms]) => [p, ms.length]),
      [
        ["info", 100],
        ["info", 100],
        ["info", 5],
      ],
    );
    const first = ep.batches[0]![1][0]!;
    assert.equal(first.publisherId, "abc");
    assert.equal(first.eventType, "test");
    assert.equal(first.payload, "m-0");
    assert.match(first.metadata.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(l.stats.batches, 3);
    await stopAll();
  });

  test(`${label} - requeue: an endpoint returning "requeue" gets the notification again, at most maxRequeues times, then it is dropped, counted and logged`, async () => {
    const topic = fresh();
    const ep = new RecordingEndpoint();
    ep.answer = ({ payload }) => (payload === "always" ? "requeue" : undefined);
    const once = new RecordingEndpoint();
    once.answer = ({ calls }) => (calls === 1 ? "requeue" : undefined);
    const logger = new KeptLogger();
    const l1 = await listen([topic], [ep], { pool: "bounded", allowRequeue: true, maxRequeues: 2, logger });
    const l2 = await listen([topic], [once], { pool: "once", allowRequeue: true });
    const n = notifier("abc", [topic]);
    await n.info({}, "t", "always");
    await waitFor(() => l1.stats.requeueDropped === 1 && once.events.length === 2, LIMIT_MS, "the drop and the retry");
    assert.equal(ep.events.length, 3, "delivered once and requeued twice");
    assert.equal(l1.stats.requeued, 2);
    assert.ok(
      logger.lines.some((s) => /dropped after 2 requeues/.test(s)),
      logger.lines.join("\n"),
    );
    assert.deepEqual(once.payloads(), ["always", "always"], "the other pool's endpoint asked once");
    assert.equal(l2.stats.requeued, 1);
    assert.equal(l2.stats.delivered, 1);
    await stopAll();
  });

  test(`${label} - requeue: an endpoint that throws has the notification requeued when allowed, dropped (counted) when not`, async () => {
    const topic = fresh();
    let calls = 0;
    const flaky = {
      info: () => {
        if (++calls === 1) throw new Error("database is down");
      },
    };
    const failing = {
      info: () => {
        throw new Error("always");
      },
    };
    const l1 = await listen([topic], [flaky], { pool: "allowed", allowRequeue: true });
    const l2 = await listen([topic], [failing], { pool: "not-allowed" });
    await notifier("abc", [topic]).info({}, "t", "x");
    await waitFor(() => calls === 2 && l2.stats.requeueDisallowed === 1, LIMIT_MS, "a second call and a drop");
    assert.equal(l1.stats.endpointErrors, 1);
    assert.equal(l1.stats.delivered, 1);
    assert.equal(l2.stats.requeued, 0);
    await stopAll();
  });

  test(`${label} - filters: an endpoint sees only the notifications its filterRule accepts (event type, context, publisher, metadata, payload)`, async () => {
    const topic = fresh();
    const compute = new RecordingEndpoint(new NotificationFilter({ eventType: "compute\\." }));
    const tenant = new RecordingEndpoint(new NotificationFilter({ context: { tenant: /^t1$/ }, publisherId: "api" }));
    const vm = new RecordingEndpoint(
      new NotificationFilter({ payload: { kind: "vm$" }, metadata: { timestamp: "\\d{4}-\\d\\d-\\d\\d " } }),
    );
    const all = new RecordingEndpoint();
    const l = await listen([topic], [compute, tenant, vm, all]);
    const n = notifier("api.host1", [topic]);
    await n.info({ tenant: "t1" }, "compute.instance.create", { n: 1, kind: "vm" });
    await n.info({ tenant: "t2" }, "volume.create", { n: 2, kind: "volume" });
    await n.info({}, "xcompute.y", { n: 3 });
    await waitFor(() => all.events.length === 3, LIMIT_MS, "three events");
    const ns = (e: RecordingEndpoint) => e.payloads().map((p) => (p as { n: number }).n);
    assert.deepEqual(ns(compute), [1], "eventType matched at the start");
    assert.deepEqual(ns(tenant), [1], "context key and publisher prefix");
    assert.deepEqual(ns(vm), [1], "payload field and metadata timestamp");
    assert.deepEqual(ns(all), [1, 2, 3]);
    assert.equal(l.stats.delivered, 3);
    await stopAll();
  });

  test(`${label} - nobody listens: info() resolves, the notification is counted as unrouted and logged; rejectUnrouted rejects`, async () => {
    const topic = fresh();
    const logger = new KeptLogger();
    const n = notifier("abc", [topic], logger);
    await n.info({}, "t", "lost");
    assert.equal(n.stats.unrouted, 1);
    assert.match(logger.lines[0] ?? "", /had no listener on .*\.info: dropped there/);
    const strict = new Notifier(env().publishing, { topics: [topic], rejectUnrouted: true, logger: new KeptLogger() });
    await assert.rejects(strict.info({}, "t", "lost"), MessageDeliveryFailure);
  });
}
