/**
 * Goal: what ZMTP heartbeats do not take for a dead server, and what only they detect, with
 * real sockets across processes (the counterparts of test/redis/heartbeat.acceptance.test.ts).
 * - A handler that blocks its server's event loop (a synchronous busy loop) for five
 *   heartbeat timeouts is not a dead peer: libzmq's I/O thread answers the PINGs, so the
 *   client's connection never drops, the host never opens in its breaker, and the call
 *   returns its answer; the server keeps the client's connection too.
 * - With heartbeats off on client and server (heartbeatIntervalMs 0), a frozen server
 *   (SIGSTOP) is not detected in twice the time the heartbeat test allows: no disconnect,
 *   the host stays closed, a call waiting on it waits on, and after SIGCONT the server
 *   answers it over the same connection.
 * - The server's sockets must have heartbeats off for that: with the client's off and the
 *   server's on, the TTL carried by the server's PINGs (ZMQ_HEARTBEAT_TTL, the server's
 *   heartbeatTimeoutMs) makes the client's libzmq drop the frozen server's connection, within
 *   the same bound.
 * Method: one test/redis/support/server-process.ts child per case over a test-started
 * redis-server, registered without a TTL (nothing but heartbeats can drop it); the client
 * records its pooled sockets' events (support/recording-sockets.ts) and polls its unhealthy
 * hosts (support/health-watch.ts).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { getRpcTransport, RpcClient, type DriverOptions, type Transport } from "../../src/index.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { spawnServer, type ServerChild, type ServerReport } from "./support/children.js";
import { DETECT_BOUND_MS, TEST_HEARTBEAT, watchHealth } from "./support/health-watch.js";
import { RecordingSockets } from "./support/recording-sockets.js";

/** The busy handler blocks its event loop this long: five heartbeat timeouts. */
const SPIN_MS = 5 * TEST_HEARTBEAT.heartbeatTimeoutMs;
/** How long a frozen server goes unnoticed with heartbeats off: twice what the heartbeat test allows. */
const UNNOTICED_MS = 2 * DETECT_BOUND_MS;

describe("heartbeats: a busy server is alive, and without them a frozen one goes unnoticed (zmq+redis://)", {
  skip: redisSkipReason() ?? false,
  timeout: 90_000,
}, () => {
  let redis: RedisProcess;
  const children: ServerChild[] = [];
  const transports: Transport[] = [];
  const tag = randomUUID().slice(0, 8);

  /** A child serving `topic` with `options` (no registration TTL) and a client transport with `options`. */
  const start = async (topic: string, name: string, options: DriverOptions) => {
    const child = spawnServer(redis.url, topic, name, { ...options, registrationTtlMs: null });
    children.push(child);
    const { host } = await child.ready;
    const recorder = new RecordingSockets();
    const transport = await getRpcTransport(redis.url, { ...options, ports: recorder.ports() });
    transports.push(transport);
    const client = new RpcClient(transport, { topic }, { timeoutMs: 20_000 });
    assert.equal(await client.call({}, "whoami"), name, "warm-up call answered");
    return { child, host, recorder, transport, client };
  };

  before(async () => {
    redis = await startRedis();
  });

  after(async () => {
    await Promise.all(children.map((c) => c.resume().catch(() => undefined)));
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all(
      children.map((c) =>
        c.stop().then(
          () => c.exited,
          () => c.kill(),
        ),
      ),
    );
    await redis?.stop();
  });

  test("a handler that blocks its event loop for five heartbeat timeouts is not a dead peer: no disconnect, the host stays closed, the call returns", async (t) => {
    const topic = `hb-busy-${tag}`;
    const { host, recorder, transport, client } = await start(topic, "busy", TEST_HEARTBEAT);
    const watch = watchHealth(transport);
    const fromMs = performance.now();
    const answer = await client.call<{ server: string; spunMs: number }>({}, "spin", { ms: SPIN_MS });
    const tookMs = performance.now() - fromMs;
    watch.stop();
    const report = await client.call<ServerReport>({}, "report");
    t.diagnostic(`spun ${Math.round(answer.spunMs)} ms; call took ${Math.round(tookMs)} ms`);
    assert.equal(answer.server, "busy");
    assert.ok(answer.spunMs >= SPIN_MS, `the handler blocked its event loop for ${SPIN_MS} ms`);
    assert.deepEqual(recorder.eventsOf(host, "disconnect"), [], "the client's connection never dropped");
    assert.deepEqual(watch.changes, [], "no host turned unhealthy");
    assert.equal(report.topics[topic]!.stats.peerDisconnects, 0, "the server kept the client's connection");
  });

  test("heartbeats off on client and server: a frozen server is not detected in twice the heartbeat test's bound; a call waiting on it is answered after SIGCONT", async (t) => {
    const topic = `hb-off-${tag}`;
    const off = { heartbeatIntervalMs: 0 };
    const { child, host, recorder, transport, client } = await start(topic, "quiet", off);
    const watch = watchHealth(transport);
    await child.pause();
    const stopAtMs = performance.now();
    let settled = false;
    const call = client.call<{ id: string; server: string }>({}, "run", { id: "while-frozen" });
    void call.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, UNNOTICED_MS));
    const pendingAfterMs = performance.now() - stopAtMs;
    const settledWhileFrozen = settled;
    watch.stop();
    await child.resume();
    const answer = await call;
    t.diagnostic(`frozen for ${Math.round(pendingAfterMs)} ms with the call pending`);
    assert.deepEqual(recorder.eventsOf(host, "disconnect"), [], "the client's connection never dropped");
    assert.deepEqual(watch.changes, [], "no host turned unhealthy");
    assert.equal(settledWhileFrozen, false, "the call was still waiting when the window ended");
    assert.deepEqual(
      answer,
      { id: "while-frozen", server: "quiet" },
      "answered after SIGCONT over the same connection",
    );
    assert.deepEqual(recorder.eventsOf(host, "connect", stopAtMs), [], "no new handshake: the same connection");
  });

  test("heartbeats off on the client only: the TTL of the server's PINGs still drops a frozen server's connection within heartbeatTimeoutMs + 200 ms", async (t) => {
    const topic = `hb-ttl-${tag}`;
    const child = spawnServer(redis.url, topic, "ttl", { ...TEST_HEARTBEAT, registrationTtlMs: null });
    children.push(child);
    const { host } = await child.ready;
    const recorder = new RecordingSockets();
    const transport = await getRpcTransport(redis.url, { heartbeatIntervalMs: 0, ports: recorder.ports() });
    transports.push(transport);
    assert.equal(await new RpcClient(transport, { topic }).call({}, "whoami"), "ttl", "warm-up call answered");
    // The TTL is armed by a PING received: let a few come first.
    await new Promise((r) => setTimeout(r, 3 * TEST_HEARTBEAT.heartbeatIntervalMs));
    const watch = watchHealth(transport);
    const stopAtMs = performance.now();
    await child.pause();
    const deadline = stopAtMs + 5 * DETECT_BOUND_MS;
    while (watch.firstUnhealthy(host) === undefined && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    watch.stop();
    const dropAt = recorder.eventsOf(host, "disconnect", stopAtMs)[0]?.atMs;
    const openAt = watch.firstUnhealthy(host);
    const after = (v: number | undefined) => (v === undefined ? "never" : `${Math.round(v - stopAtMs)} ms`);
    t.diagnostic(`disconnect ${after(dropAt)}, open ${after(openAt)} after SIGSTOP`);
    assert.ok(dropAt !== undefined && dropAt - stopAtMs <= DETECT_BOUND_MS, "the connection dropped within the bound");
    assert.ok(openAt !== undefined && openAt - stopAtMs <= DETECT_BOUND_MS, "the host opened within the bound");
  });
});
