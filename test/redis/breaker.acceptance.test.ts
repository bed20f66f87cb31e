/**
 * Goal: the client's circuit breaker opens a host on soft failures alone, with real sockets:
 * a host registered in Redis at an address where nothing listens (connections refused, so
 * no handshake, no disconnect, nothing that trips it at once). With ZMQ_IMMEDIATE every
 * send to it waits sendTimeoutMs and fails with EAGAIN (a soft failure); the call then goes
 * to the other host and succeeds. A stream of calls one at a time shows:
 * - the host gets exactly `failureThreshold` sends, then opens;
 * - from then on it gets probes only: each at least `coolDownMs` after the host opened or
 *   its last probe failed (the cool-down is not doubled here: maxCoolDownMs equals it), and
 *   each fails the same way and reopens it;
 * - no call is lost: every call is answered by the live server, and each failed send was
 *   retried once.
 * Method: one test/redis/support/server-process.ts child over a test-started redis-server;
 * the dead address is registered under the same topic with no TTL by the client
 * transport's own matchmaker. The client records its pooled sockets' sends and events
 * (support/recording-sockets.ts) and polls its unhealthy hosts (support/health-watch.ts).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { getRpcTransport, RpcClient, type Transport } from "../../src/index.js";
import { topicKey, transportInternals } from "../../src/internal.js";
import { freePort, redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { spawnServer, type ServerChild } from "./support/children.js";
import { callStream, ms, watchHealth, type HealthWatch, type StreamCall } from "./support/health-watch.js";
import { RecordingSockets, type SendRecord } from "./support/recording-sockets.js";

const SEND_TIMEOUT_MS = 200;
const BREAKER = { failureThreshold: 3, windowMs: 10_000, coolDownMs: 400, maxCoolDownMs: 400 };
/** Long enough for several probes: each cycle is a cool-down and a failed send (about 600 ms). */
const STREAM_MS = 3500;

describe("a host whose sends fail opens on soft failures and gets one probe per cool-down (zmq+redis://)", {
  skip: redisSkipReason() ?? false,
  timeout: 60_000,
}, () => {
  let redis: RedisProcess;
  let transport: Transport;
  let server: ServerChild | undefined;
  const recorder = new RecordingSockets();
  let watch: HealthWatch;
  const topic = `brk-${randomUUID().slice(0, 8)}`;
  let live: string;
  let dead: string;
  let stream: StreamCall[];
  let sends: SendRecord[];
  let retries: number;

  before(async () => {
    redis = await startRedis();
    server = spawnServer(redis.url, topic, "live", { registrationTtlMs: null });
    live = (await server.ready).host;
    dead = `tcp://127.0.0.1:${await freePort()}`;
    transport = await getRpcTransport(redis.url, {
      sendTimeoutMs: SEND_TIMEOUT_MS,
      circuitBreaker: BREAKER,
      ports: recorder.ports(),
    });
    const { engine, deps } = transportInternals(transport);
    await deps.matchmaker.register(topicKey({ topic }), dead, null);
    assert.deepEqual([...(await deps.matchmaker.getHosts(topicKey({ topic })))].sort(), [dead, live].sort());
    watch = watchHealth(transport);
    const retries0 = engine.stats.sendRetries;
    stream = await callStream(new RpcClient(transport, { topic }, { timeoutMs: 10_000 }), "brk", 1, STREAM_MS);
    retries = engine.stats.sendRetries - retries0;
    watch.stop();
    sends = recorder.sendsTo(dead);
  });

  after(async () => {
    watch?.stop();
    await transport?.close();
    await server?.stop().then(
      () => server!.exited,
      () => server!.kill(),
    );
    await redis?.stop();
  });

  test("every call is answered by the live server; each failed send to the dead host was retried once", (t) => {
    t.diagnostic(`${stream.length} calls; ${sends.length} sends to ${dead}; ${retries} retries`);
    assert.deepEqual(
      stream.filter((c) => c.server !== "live"),
      [],
      "every call answered by the live server",
    );
    assert.ok(stream.length > sends.length, "most calls never went to the dead host");
    assert.equal(retries, sends.length, "one retry per failed send");
    assert.deepEqual(recorder.eventsOf(dead, "disconnect"), [], "nothing but soft failures: no disconnect");
  });

  test("the dead host gets failureThreshold sends, then opens; afterwards one probe per cool-down, each failing with EAGAIN after sendTimeoutMs", (t) => {
    const threshold = BREAKER.failureThreshold;
    const probes = sends.slice(threshold);
    const openedAt = sends[threshold - 1]?.endMs;
    t.diagnostic(
      `${threshold} sends before it opened, then ${probes.length} probes at ` +
        `${ms(probes.map((p) => p.startMs - openedAt!))} ms after it opened`,
    );
    assert.ok(sends.length > threshold && openedAt !== undefined, "the dead host was picked past its threshold");
    for (const s of sends) {
      assert.equal(s.outcome, "EAGAIN", "every send to the dead host failed with EAGAIN");
      assert.ok(s.endMs! - s.startMs >= SEND_TIMEOUT_MS - 50, `after sendTimeoutMs (${s.endMs! - s.startMs} ms)`);
    }
    const unhealthyAt = watch.firstUnhealthy(dead);
    assert.ok(unhealthyAt !== undefined && unhealthyAt >= openedAt!, "opened by the last of them, not before");
    for (const [i, p] of probes.entries()) {
      const reopenedAt = sends[threshold - 1 + i]!.endMs!;
      assert.ok(
        p.startMs - reopenedAt >= BREAKER.coolDownMs,
        `probe ${i} came ${Math.round(p.startMs - reopenedAt)} ms after the host (re)opened, before its cool-down`,
      );
    }
    const maxProbes = Math.ceil(STREAM_MS / (BREAKER.coolDownMs + SEND_TIMEOUT_MS));
    assert.ok(probes.length <= maxProbes, `${probes.length} probes in ${STREAM_MS} ms, at most ${maxProbes}`);
  });
});
