/**
 * Goal: the discovery promises of the Redis matchmaker (issue: "Discovery speed, measured
 * in tests"), with the defaults of zmq+redis:// (TTL 3000 ms, refresh 1000 ms):
 * - a server that starts is callable by an existing client within 1 s (oslo: up to 180 s);
 * - a server that stops gracefully disappears at once;
 * - a server that crashes (SIGKILL) is no longer chosen within its TTL, and at once by a
 *   client whose connection to it dropped (the socket layer's disconnect event).
 * Method: servers in child processes, the client in this process with a warm cache. Each
 * test waits for the real condition (a call answered by the new server, a lookup without
 * the stopped one) and asserts how long that took; the bounds are the product's figures,
 * and the measured values are printed as test diagnostics.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { getRpcTransport, RpcClient, type Transport } from "../../src/index.js";
import { createRedisMatchmaker, NodeClock, transportInternals, type RedisMatchmaker } from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { spawnServer, type ServerChild } from "./support/children.js";

const TTL_MS = 3000;

/** Polls `probe` every `everyMs` until it returns true; returns the time it first did. */
async function until(probe: () => Promise<boolean>, limitMs: number, everyMs = 10): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now();
    if (performance.now() - start > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe("discovery speed with zmq+redis:// defaults", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let transport: Transport;
  const children: ServerChild[] = [];
  const spawn = (topic: string, name: string): ServerChild => {
    const c = spawnServer(redis.url, topic, name);
    children.push(c);
    return c;
  };

  before(async () => {
    redis = await startRedis();
    transport = await getRpcTransport(redis.url);
    assert.equal(transport.options.registrationTtlMs, TTL_MS, "Redis URLs default to a 3 s TTL");
    assert.equal(transport.options.registrationRefreshMs, 1000, "refreshed every second");
  });
  after(async () => {
    await transport?.close();
    await Promise.all(children.map((c) => c.kill()));
    await redis?.stop();
  });

  test("a server that starts is callable by an existing client within 1 s", async (t) => {
    const topic = `disc-start-${randomUUID().slice(0, 8)}`;
    const first = spawn(topic, "first");
    await first.ready;
    const c = new RpcClient(transport, { topic }, { timeoutMs: 5000 });
    assert.equal(await c.call({}, "whoami"), "first", "the client knows the topic (warm cache)");
    // A call to the new server's name, made before it exists, waits for it.
    const early = new RpcClient(transport, { topic, server: "second" }, { timeoutMs: 10_000 }).call({}, "whoami");
    const second = spawn(topic, "second");
    const { atMs: readyAt } = await second.ready;
    assert.equal(await early, "second");
    const earlyMs = performance.now() - readyAt;
    // Round robin over the topic includes the new server.
    const seenAt = await until(async () => (await c.call({}, "whoami")) === "second", 5000, 0);
    const rrMs = seenAt - readyAt;
    t.diagnostic(
      `waiting call answered ${earlyMs.toFixed(1)} ms after the server reported ready; round robin reached it after ${rrMs.toFixed(1)} ms`,
    );
    assert.ok(earlyMs < 1000, `a waiting call reached the new server within 1 s (took ${earlyMs.toFixed(1)} ms)`);
    assert.ok(rrMs < 1000, `round robin reached the new server within 1 s (took ${rrMs.toFixed(1)} ms)`);
  });

  test("a server that stops gracefully disappears at once", async (t) => {
    const topic = `disc-stop-${randomUUID().slice(0, 8)}`;
    const [a, b] = [spawn(topic, "a"), spawn(topic, "b")];
    const [, { host: hostB }] = await Promise.all([a.ready, b.ready]);
    const key = `openstack/${topic}`;
    const view = transportInternals(transport).deps.matchmaker;
    assert.ok((await view.getHosts(key)).includes(hostB), "the client sees b (warm cache)");
    const stoppedAt = await b.stop();
    // The existing client's cache learns it from the change channel.
    const goneAt = await until(async () => !(await view.getHosts(key)).includes(hostB), 2000, 1);
    const ms = goneAt - stoppedAt;
    // Redis itself: a view with no cache.
    const fresh: RedisMatchmaker = await createRedisMatchmaker(
      { kind: "redis", host: "127.0.0.1", port: redis.port, db: 0 },
      new NodeClock(),
    );
    try {
      assert.ok(!(await fresh.getHosts(key)).includes(hostB), "gone from Redis");
    } finally {
      await fresh.close();
    }
    t.diagnostic(
      `existing client stopped choosing the stopped server ${ms.toFixed(1)} ms after stop() returned (TTL ${TTL_MS} ms)`,
    );
    assert.ok(ms < 500, `the client dropped it at once, not at TTL expiry (took ${ms.toFixed(1)} ms)`);
    const c = new RpcClient(transport, { topic }, { timeoutMs: 5000 });
    for (let i = 0; i < 6; i++) assert.equal(await c.call({}, "whoami"), "a");
  });

  test("a crashed server (SIGKILL) is no longer chosen within its TTL, and at once by a client whose connection to it dropped", async (t) => {
    const topic = `disc-crash-${randomUUID().slice(0, 8)}`;
    const [a, b] = [spawn(topic, "a"), spawn(topic, "b")];
    const [, { host: hostB }] = await Promise.all([a.ready, b.ready]);
    const key = `openstack/${topic}`;
    const view = transportInternals(transport).deps.matchmaker;
    // A second client that only looks the topic up: no connection to b, only the TTL tells it.
    const observer = await createRedisMatchmaker(
      { kind: "redis", host: "127.0.0.1", port: redis.port, db: 0 },
      new NodeClock(),
    );
    try {
      assert.ok((await observer.getHosts(key)).includes(hostB));
      const c = new RpcClient(transport, { topic }, { timeoutMs: 5000 });
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) seen.add(await c.call<string>({}, "whoami"));
      assert.deepEqual([...seen].sort(), ["a", "b"], "both in use before the crash");
      const killedAt = await b.kill();
      const [clientGoneAt, observerGoneAt] = await Promise.all([
        until(async () => !(await view.getHosts(key)).includes(hostB), TTL_MS + 3000, 5),
        until(async () => !(await observer.getHosts(key)).includes(hostB), TTL_MS + 3000, 10),
      ]);
      const clientMs = clientGoneAt - killedAt;
      const observerMs = observerGoneAt - killedAt;
      t.diagnostic(
        `crashed server dropped ${clientMs.toFixed(0)} ms after SIGKILL by the client connected to it (socket disconnect), ${observerMs.toFixed(0)} ms by a client relying on the TTL (${TTL_MS} ms, refresh 1000 ms)`,
      );
      // Its last refresh was at most one refresh period before the kill, so it expires by
      // kill + TTL; the margin covers the 10 ms polling and a loaded machine's timer lag.
      assert.ok(observerMs <= TTL_MS + 250, `not chosen within its TTL (took ${observerMs.toFixed(0)} ms)`);
      assert.ok(clientMs < 1000, `sooner where the socket layer saw it die (took ${clientMs.toFixed(0)} ms)`);
      for (let i = 0; i < 6; i++) assert.equal(await c.call({}, "whoami"), "a", "only the live server is chosen");
    } finally {
      await observer.close();
    }
  });
});
