/**
 * Goal: notifications work when listeners and notifiers find each other only through a
 * real redis-server (zmq+redis://, TTL registrations, the lookup cache, change messages)
 * and through Sentinel (zmq+sentinel://): the ported NotifyTestCase of
 * test/support/notify-suite.ts, listeners and notifier on two transports (two matchmaker
 * connections, two caches) as in two processes; and pools over Sentinel.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { getNotificationListener, getNotificationTransport, Notifier, type Transport } from "../../src/index.js";
import { waitFor } from "../support/fixtures.js";
import { KeptLogger, RecordingEndpoint } from "../support/notify-fixtures.js";
import { notifyTestCases } from "../support/notify-suite.js";
import {
  redisSkipReason,
  startRedis,
  startSentinelSetup,
  type RedisProcess,
  type SentinelSetup,
} from "../support/redis-server.js";

describe("notifications over zmq+redis://", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let listening: Transport;
  let publishing: Transport;
  before(async () => {
    redis = await startRedis();
    listening = await getNotificationTransport(redis.url);
    publishing = await getNotificationTransport(redis.url);
  });
  after(async () => {
    await publishing?.close();
    await listening?.close();
    await redis?.stop();
  });
  notifyTestCases("notify over redis", () => ({ listening, publishing }));
});

describe("notifications over zmq+sentinel://", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let setup: SentinelSetup;
  let listening: Transport;
  let publishing: Transport;
  before(async () => {
    setup = await startSentinelSetup();
    listening = await getNotificationTransport(setup.url);
    publishing = await getNotificationTransport(setup.url);
  });
  after(async () => {
    await publishing?.close();
    await listening?.close();
    await setup?.stop();
  });

  test("notify over sentinel - two listeners of one pool share the notifications, a listener without a pool gets them all", async () => {
    const topic = `ns-${randomUUID().slice(0, 8)}`;
    const [a, b, alone] = [new RecordingEndpoint(), new RecordingEndpoint(), new RecordingEndpoint()];
    const listeners = [
      getNotificationListener(listening, [{ topic }], [a], { pool: "p", logger: new KeptLogger() }),
      getNotificationListener(listening, [{ topic }], [b], { pool: "p", logger: new KeptLogger() }),
      getNotificationListener(listening, [{ topic }], [alone], { logger: new KeptLogger() }),
    ];
    await Promise.all(listeners.map((l) => l.start()));
    const n = new Notifier(publishing, { publisherId: "pub", topics: [topic], logger: new KeptLogger() });
    for (let i = 0; i < 6; i++) await n.info({}, "t", i);
    await waitFor(() => a.events.length + b.events.length === 6 && alone.events.length === 6, 10_000, "12 events");
    assert.ok(a.events.length > 0 && b.events.length > 0, "both members of the pool got some");
    assert.deepEqual([...a.payloads(), ...b.payloads()].sort(), [0, 1, 2, 3, 4, 5]);
    await Promise.all(listeners.map((l) => l.stop()));
  });
});
