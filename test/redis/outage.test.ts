/**
 * Goal: the Redis matchmaker's outage behaviour (issue: "Redis down"):
 * - clients keep routing from their cache, past the registrations' TTL;
 * - servers keep serving, and re-register as soon as Redis returns (also into a Redis
 *   that restarted empty);
 * - a lookup with nothing cached fails the call at its deadline, with MatchmakerUnavailable
 *   as the cause: never a hang, never a crash; no unhandled rejections anywhere;
 * - the same when Redis hangs (SIGSTOP) instead of refusing connections.
 * Method: a real redis-server that the test kills and restarts (or freezes); server and
 * client transports in this process, each with its own Redis connections, so that
 * unhandled rejections of either are seen. Outage spans are real time (longer than the
 * 3 s TTL); the figures measured are printed as diagnostics.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, afterEach, before, describe, test } from "node:test";
import {
  getRpcServer,
  getRpcTransport,
  MatchmakerUnavailable,
  MessagingError,
  MessagingTimeout,
  RpcClient,
  type RpcServer,
  type Transport,
} from "../../src/index.js";
import { transportInternals } from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

const TTL_MS = 3000;

async function until(probe: () => Promise<boolean>, limitMs: number, everyMs = 10): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe().catch(() => false)) return performance.now();
    if (performance.now() - start > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Calls `whoami` back to back for `spanMs`; returns how many calls succeeded (all must). */
async function callFor(c: RpcClient, spanMs: number, expected: string): Promise<number> {
  const end = performance.now() + spanMs;
  let n = 0;
  while (performance.now() < end) {
    assert.equal(await c.call({}, "whoami"), expected);
    n++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return n;
}

/** Asserts a call to a never-looked-up topic fails at its deadline with MatchmakerUnavailable as cause. */
async function assertFailsAtDeadline(transport: Transport, timeoutMs: number): Promise<number> {
  const c = new RpcClient(transport, { topic: `unknown-${randomUUID().slice(0, 8)}` }, { timeoutMs });
  const t0 = performance.now();
  const err = await c.call({}, "whoami").then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsed = performance.now() - t0;
  assert.ok(err instanceof MessagingTimeout, `MessagingTimeout, got ${String(err)}`);
  assert.ok(err.cause instanceof MatchmakerUnavailable, `cause is MatchmakerUnavailable, got ${String(err.cause)}`);
  assert.match(err.message, /matchmaker unavailable/);
  assert.ok(elapsed >= timeoutMs - 1, "not before the deadline");
  assert.ok(elapsed < timeoutMs + 500, `at the deadline, not a hang (${elapsed.toFixed(0)} ms)`);
  return elapsed;
}

describe("Redis outage", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let serverT: Transport;
  let clientT: Transport;
  let server: RpcServer;
  let topic: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  before(() => {
    process.on("unhandledRejection", onUnhandled);
  });
  after(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  const setup = async (): Promise<RpcClient> => {
    redis = await startRedis();
    topic = `outage-${randomUUID().slice(0, 8)}`;
    serverT = await getRpcTransport(redis.url);
    clientT = await getRpcTransport(redis.url);
    server = getRpcServer(serverT, { topic, server: "s1" }, [{ whoami: () => "s1" }]);
    await server.start();
    const c = new RpcClient(clientT, { topic }, { timeoutMs: 5000 });
    assert.equal(await c.call({}, "whoami"), "s1");
    return c;
  };
  afterEach(async () => {
    redis.resume();
    await clientT?.close();
    await serverT?.close();
    await redis?.stop();
    assert.deepEqual(unhandled, [], "no unhandled rejections");
  });

  test("Redis killed and restarted empty: cached routing continues past the TTL, new lookups fail at their deadline, the server re-registers when Redis returns", async (t) => {
    const c = await setup();
    await redis.kill();
    const calls = await callFor(c, TTL_MS + 1000, "s1");
    t.diagnostic(`${calls} calls succeeded from the cache during a ${TTL_MS + 1000} ms outage`);
    const failMs = await assertFailsAtDeadline(clientT, 700);
    t.diagnostic(`a call needing a new lookup failed after ${failMs.toFixed(0)} ms (timeout 700 ms)`);

    // A client created during the outage is created at once and fails the same way.
    const t0 = performance.now();
    const late = await getRpcTransport(redis.url);
    const createMs = performance.now() - t0;
    try {
      assert.ok(createMs < 1500, `transport created without waiting for Redis (${createMs.toFixed(0)} ms)`);
      await assertFailsAtDeadline(late, 500);
    } finally {
      await late.close();
    }

    // A server cannot start while Redis is down: a clear error, not a silent ghost.
    const s2 = getRpcServer(serverT, { topic, server: "s2" }, [{ whoami: () => "s2" }]);
    await assert.rejects(
      s2.start(),
      (e: unknown) => e instanceof MessagingError && e.cause instanceof MatchmakerUnavailable,
    );

    await redis.restart(); // empty: every registration is gone
    const restartedAt = performance.now();
    const fresh = await getRpcTransport(redis.url);
    try {
      const key = `openstack/${topic}`;
      const backAt = await until(
        async () => (await transportInternals(fresh).deps.matchmaker.getHosts(key)).length === 1,
        5000,
      );
      const ms = backAt - restartedAt;
      t.diagnostic(`server re-registered ${ms.toFixed(0)} ms after Redis restarted empty`);
      assert.ok(ms < 2000, `re-registered soon after Redis returned (${ms.toFixed(0)} ms)`);
      assert.equal(
        await new RpcClient(fresh, { topic }, { timeoutMs: 2000 }).call({}, "whoami"),
        "s1",
        "a new client finds it",
      );
      assert.equal(await c.call({}, "whoami"), "s1", "the old client still works");
      await assert.rejects(
        new RpcClient(fresh, { topic, server: "s2" }, { timeoutMs: 300 }).call({}, "whoami"),
        MessagingTimeout,
        "the server that failed to start was not registered on replay",
      );
    } finally {
      await fresh.close();
    }
  });

  test("Redis frozen (SIGSTOP): cached routing continues, new lookups fail at their deadline, registration is current again after it resumes", async (t) => {
    const c = await setup();
    redis.pause();
    const calls = await callFor(c, TTL_MS + 1000, "s1");
    t.diagnostic(`${calls} calls succeeded from the cache while Redis was frozen for ${TTL_MS + 1000} ms`);
    const failMs = await assertFailsAtDeadline(clientT, 1500); // commandTimeoutMs (1000) < call timeout
    t.diagnostic(
      `a call needing a new lookup failed after ${failMs.toFixed(0)} ms (timeout 1500 ms, Redis command timeout 1000 ms)`,
    );
    redis.resume();
    const resumedAt = performance.now();
    const fresh = await getRpcTransport(redis.url);
    try {
      const key = `openstack/${topic}`;
      const backAt = await until(
        async () => (await transportInternals(fresh).deps.matchmaker.getHosts(key)).length === 1,
        5000,
      );
      const ms = backAt - resumedAt;
      t.diagnostic(`registration visible again ${ms.toFixed(0)} ms after Redis resumed`);
      assert.ok(ms < 2000, `registered again within two refresh periods (${ms.toFixed(0)} ms)`);
      assert.equal(await c.call({}, "whoami"), "s1");
    } finally {
      await fresh.close();
    }
  });
});
