/**
 * Goal: ZMTP heartbeats and the client's circuit breakers take a hung server out of routing
 * and bring it back, with real sockets across processes and acks off. One of two servers
 * is frozen with SIGSTOP: its TCP connections stay open, and its registration stays listed
 * (registered without a TTL: Redis never expires it, and RedisMatchmaker.hostDown leaves a
 * host without TTL listed), so only missed heartbeats can tell the client. Then:
 * - the client's connection to each of its hosts drops, and each host opens in its breaker,
 *   within heartbeatTimeoutMs + 200 ms of the SIGSTOP;
 * - idempotent calls waiting on it for their reply move to the other server and succeed;
 *   non-idempotent ones fail with MessageDeliveryFailure naming the host;
 * - while it stays frozen every call succeeds through the other server, and the frozen
 *   hosts get probes only: one at a time, each a cool-down (doubled after each failed probe)
 *   after the host opened or its last probe failed. A probe's TCP connect succeeds but the
 *   ZMTP handshake never completes, so with ZMQ_IMMEDIATE its send fails with EAGAIN after
 *   sendTimeoutMs and its call goes to the other server;
 * - after SIGCONT its connections complete their handshake, its breakers close and it
 *   answers calls again.
 * Method: two test/redis/support/server-process.ts children over a test-started
 * redis-server, each serving two topics (one for idempotent calls, one for the others:
 * each topic is a host of its own). The client records its pooled sockets' sends and
 * connection events (support/recording-sockets.ts) and polls its unhealthy hosts
 * (support/health-watch.ts). Every phase's data is gathered in before(); the tests judge it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { getRpcTransport, MessageDeliveryFailure, RpcClient, type Transport } from "../../src/index.js";
import { transportInternals } from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { spawnServer, type ServerChild, type ServerReport } from "./support/children.js";
import {
  callStream,
  DETECT_BOUND_MS,
  ms,
  TEST_HEARTBEAT,
  watchHealth,
  type HealthWatch,
  type StreamCall,
} from "./support/health-watch.js";
import { RecordingSockets } from "./support/recording-sockets.js";

const SEND_TIMEOUT_MS = 300;
const BREAKER = { coolDownMs: 400, maxCoolDownMs: 1600 };
/** The calls of the burst sent right after the freeze; the server stays frozen past their deadlines. */
const BURST_TIMEOUT_MS = 3000;
const BURST_PER_KIND = 8;
/** The stream of calls while the server is frozen: long enough for two probes of each host. */
const STREAM_MS = 3000;
/** The longest wait for the thawed server to answer again (it takes a reconnect and one probe). */
const THAW_LIMIT_MS = 10_000;

describe("a server frozen with SIGSTOP, heartbeats on, acks off (zmq+redis://)", {
  skip: redisSkipReason() ?? false,
  timeout: 120_000,
}, () => {
  let redis: RedisProcess;
  let transport: Transport;
  let servers: ServerChild[] = [];
  const recorder = new RecordingSockets();
  let watch: HealthWatch;
  const tag = randomUUID().slice(0, 8);
  const IDEM = `hb-idem-${tag}`;
  const ONCE = `hb-once-${tag}`;
  const CONTROL = `hb-ctl-${tag}`;
  let hosts: Record<string, string>[];
  let frozen: string[];
  let stopAtMs: number;
  let contAtMs: number;
  let burst: { kind: "idempotent" | "once"; startMs: number; endMs: number; value?: unknown; error?: unknown }[];
  let failoversInBurst: number;
  let stream: StreamCall[];
  let streamFromMs: number;
  let backAtMs: Record<string, number | undefined>;
  let thawReport: ServerReport | undefined;

  before(async () => {
    redis = await startRedis();
    const serverOptions = { ...TEST_HEARTBEAT, registrationTtlMs: null };
    servers = ["server_0", "server_1"].map((n) =>
      spawnServer(redis.url, `${IDEM},${ONCE},${CONTROL}`, n, serverOptions),
    );
    hosts = (await Promise.all(servers.map((s) => s.ready))).map((r) => r.hosts);
    frozen = [hosts[1]![IDEM]!, hosts[1]![ONCE]!];
    transport = await getRpcTransport(redis.url, {
      ...TEST_HEARTBEAT,
      sendTimeoutMs: SEND_TIMEOUT_MS,
      circuitBreaker: BREAKER,
      ports: recorder.ports(),
    });
    const engine = transportInternals(transport).engine;
    const client = (topic: string, timeoutMs: number, idempotent: boolean) =>
      new RpcClient(transport, { topic }, { timeoutMs, idempotent });
    // Both servers answer on both topics: the client holds a connection to each of the four hosts.
    for (const topic of [IDEM, ONCE]) {
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++)
        seen.add((await client(topic, 5000, false).call<{ server: string }>({}, "run", { id: `warm-${i}` })).server);
      assert.deepEqual([...seen].sort(), ["server_0", "server_1"], `warm-up calls on ${topic} reached both servers`);
    }
    watch = watchHealth(transport);

    stopAtMs = performance.now();
    await servers[1]!.pause();
    const failovers0 = engine.stats.failovers;
    const sent = [];
    for (let i = 0; i < BURST_PER_KIND; i++)
      for (const kind of ["idempotent", "once"] as const) {
        const startMs = performance.now();
        const c = client(kind === "idempotent" ? IDEM : ONCE, BURST_TIMEOUT_MS, kind === "idempotent");
        sent.push({ kind, startMs, promise: c.call({}, "run", { id: `burst-${kind}-${i}` }) });
      }
    burst = await Promise.all(
      sent.map(({ promise, ...s }) =>
        promise.then(
          (value) => ({ ...s, endMs: performance.now(), value }),
          (error: unknown) => ({ ...s, endMs: performance.now(), error }),
        ),
      ),
    );
    failoversInBurst = engine.stats.failovers - failovers0;

    streamFromMs = performance.now();
    stream = (
      await Promise.all([
        callStream(client(IDEM, 10_000, true), "stream-idem", 2, STREAM_MS),
        callStream(client(ONCE, 10_000, false), "stream-once", 2, STREAM_MS),
      ])
    ).flat();
    // Frozen until every call of the burst has passed its deadline: none runs after the thaw.
    const lastDeadline = Math.max(...burst.map((b) => b.startMs)) + BURST_TIMEOUT_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, lastDeadline + 300 - performance.now())));

    contAtMs = performance.now();
    await servers[1]!.resume();
    backAtMs = {};
    // Each topic is called until server_1 answers on it (calls to server_0 in between are answered too).
    await Promise.all(
      [IDEM, ONCE].map(async (topic, k) => {
        const c = client(topic, 3000, false);
        for (let i = 0; backAtMs[frozen[k]!] === undefined && performance.now() - contAtMs < THAW_LIMIT_MS; i++) {
          const v = await c.call<{ server: string }>({}, "run", { id: `thaw-${i}` }).catch(() => undefined);
          if (v?.server === "server_1") backAtMs[frozen[k]!] = performance.now();
        }
      }),
    );
    watch.stop();
    // What server_1 read after the thaw, over a connection it never had before (CONTROL was not used until now).
    thawReport = await new RpcClient(transport, { topic: CONTROL, server: "server_1" }, { timeoutMs: 5000 })
      .call<ServerReport>({}, "report")
      .catch(() => undefined);
  });

  after(async () => {
    watch?.stop();
    await Promise.all(servers.map((s) => s.resume().catch(() => undefined)));
    await transport?.close();
    await Promise.all(
      servers.map((s) =>
        s.stop().then(
          () => s.exited,
          () => s.kill(),
        ),
      ),
    );
    await redis?.stop();
  });

  test("each connection to the frozen server drops, and its host opens, within heartbeatTimeoutMs + 200 ms; the other server's never do", (t) => {
    for (const host of frozen) {
      const dropAt = recorder.eventsOf(host, "disconnect", stopAtMs)[0]?.atMs;
      const openAt = watch.firstUnhealthy(host, stopAtMs);
      t.diagnostic(
        `${host}: disconnect ${dropAt === undefined ? "never" : Math.round(dropAt - stopAtMs)} ms, ` +
          `open ${openAt === undefined ? "never" : Math.round(openAt - stopAtMs)} ms after SIGSTOP`,
      );
      assert.ok(dropAt !== undefined, `the connection to ${host} dropped`);
      assert.ok(openAt !== undefined, `${host} opened in its breaker`);
      assert.ok(dropAt - stopAtMs <= DETECT_BOUND_MS, `${host} dropped ${Math.round(dropAt - stopAtMs)} ms after`);
      assert.ok(openAt - stopAtMs <= DETECT_BOUND_MS, `${host} opened ${Math.round(openAt - stopAtMs)} ms after`);
    }
    for (const host of [hosts[0]![IDEM]!, hosts[0]![ONCE]!]) {
      assert.deepEqual(recorder.eventsOf(host, "disconnect"), [], `no disconnect from the running ${host}`);
      assert.equal(watch.firstUnhealthy(host), undefined, `the running ${host} never turned unhealthy`);
    }
  });

  test("calls waiting on the frozen server for their reply: idempotent ones move and succeed, the others fail naming the host", (t) => {
    const [idemHost, onceHost] = frozen as [string, string];
    const accepted = (host: string) =>
      recorder.sendsTo(host, stopAtMs).filter((s) => s.outcome === "ok" && s.startMs < streamFromMs).length;
    const idem = burst.filter((b) => b.kind === "idempotent");
    const once = burst.filter((b) => b.kind === "once");
    const failed = once.filter((b) => b.error !== undefined);
    t.diagnostic(`idempotent ms after SIGSTOP: ${ms(idem.map((b) => b.endMs - stopAtMs))}`);
    t.diagnostic(`non-idempotent failures ms after SIGSTOP: ${ms(failed.map((b) => b.endMs - stopAtMs))}`);
    for (const b of idem) assert.equal((b.value as { server?: string })?.server, "server_0", String(b.error));
    assert.ok(accepted(idemHost) >= 1, "some idempotent calls were accepted by the frozen server's connection");
    assert.equal(failoversInBurst, accepted(idemHost), "each idempotent call accepted there moved once");
    assert.equal(failed.length, accepted(onceHost), "each non-idempotent call accepted there failed");
    for (const b of once.filter((o) => o.error === undefined))
      assert.equal((b.value as { server?: string }).server, "server_0");
    for (const b of failed) {
      const e = b.error;
      assert.ok(e instanceof MessageDeliveryFailure, `MessageDeliveryFailure, got ${String(e)}`);
      assert.equal(e.host, onceHost);
      assert.equal(e.retryable, false);
      assert.match(e.message, /dropped its connection/);
      assert.ok(b.endMs - stopAtMs <= DETECT_BOUND_MS, `failed ${Math.round(b.endMs - stopAtMs)} ms after SIGSTOP`);
    }
  });

  test("while frozen, every call succeeds through the other server; the frozen hosts get one probe per cool-down, whose send fails with EAGAIN after sendTimeoutMs", (t) => {
    const failures = stream.filter((c) => c.server !== "server_0");
    assert.deepEqual(failures, [], "every stream call was answered by server_0");
    t.diagnostic(`${stream.length} stream calls, all answered by server_0`);
    for (const host of frozen) {
      const openAt = recorder.eventsOf(host, "disconnect", stopAtMs)[0]!.atMs;
      const probes = recorder.sendsTo(host, streamFromMs).filter((s) => s.startMs < contAtMs);
      t.diagnostic(
        `${host}: probes at ${ms(probes.map((p) => p.startMs - openAt))} ms after it opened, ` +
          `failing after ${ms(probes.map((p) => (p.endMs ?? Infinity) - p.startMs))} ms with ${probes.map((p) => p.outcome).join(" ")}`,
      );
      assert.ok(probes.length >= 1, `${host} was probed while frozen`);
      let coolDownMs = BREAKER.coolDownMs;
      let reopenedAt = openAt;
      for (const p of probes) {
        assert.equal(p.outcome, "EAGAIN", `a probe of ${host} failed with EAGAIN`);
        assert.ok(p.endMs! - p.startMs >= SEND_TIMEOUT_MS - 50, `after sendTimeoutMs (${p.endMs! - p.startMs} ms)`);
        assert.ok(
          p.startMs - reopenedAt >= coolDownMs - 5,
          `a probe of ${host} ${Math.round(p.startMs - reopenedAt)} ms after it (re)opened: not before its cool-down ${coolDownMs}`,
        );
        reopenedAt = p.endMs!;
        coolDownMs = Math.min(coolDownMs * 2, BREAKER.maxCoolDownMs);
      }
    }
  });

  test("after SIGCONT the frozen server's connections complete their handshake, its breakers close and it answers calls again", (t) => {
    for (const [topic, host] of [
      [IDEM, frozen[0]!],
      [ONCE, frozen[1]!],
    ] as const) {
      const handshake = recorder.eventsOf(host, "connect", contAtMs)[0]?.atMs;
      const closed = watch.firstHealthy(host, contAtMs);
      const back = backAtMs[host];
      const after = (v: number | undefined) => (v === undefined ? "never" : `${Math.round(v - contAtMs)} ms`);
      const accepted = recorder.sendsTo(host, contAtMs).filter((s) => s.outcome === "ok").length;
      const seen = thawReport?.topics[topic];
      t.diagnostic(
        `${host}: handshake ${after(handshake)}, closed ${after(closed)}, answered ${after(back)} after SIGCONT; ` +
          `disconnects since: ${recorder.eventsOf(host, "disconnect", contAtMs).length}; ` +
          `sends accepted since: ${accepted}; server_1 ran ${seen?.ran.filter((id) => id.startsWith("thaw-")).length} of them ` +
          `(stats ${JSON.stringify(seen && { received: seen.stats.received, handled: seen.stats.handled, expired: seen.stats.expired, malformed: seen.stats.malformed })})`,
      );
      assert.ok(handshake !== undefined, `a connection to ${host} completed its handshake after SIGCONT`);
      assert.ok(closed !== undefined, `${host}'s breaker closed`);
      assert.ok(back !== undefined, `server_1 answered a call on ${host} within ${THAW_LIMIT_MS} ms`);
    }
  });
});
