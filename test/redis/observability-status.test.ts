/**
 * Goal: a Redis outage and its recovery reach the operator (spec/observability.md,
 * "Status events"): matchmaker-down with a warn line when redis-server dies, matchmaker-up
 * with an info line when it is back, status() saying so in between; the server's failed
 * refreshes give registration-failed; no secret in any line.
 * Method: a real redis-server (test support) killed and restarted on the same port; a
 * transport with a recording logger and a status listener.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getRpcServer, getRpcTransport, type StatusEvent, type Transport } from "../../src/index.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { recordingLogger } from "../support/recording-logger.js";

async function until(check: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.ok(check(), what);
}

describe("observability - Redis outage and recovery", { skip: redisSkipReason() }, () => {
  let redis: RedisProcess;
  let transport: Transport;
  const logger = recordingLogger();
  const events: StatusEvent[] = [];
  before(async () => {
    redis = await startRedis();
    transport = await getRpcTransport(redis.url, { logger, registrationTtlMs: 600, registrationRefreshMs: 100 });
    transport.on("status", (e) => events.push(e));
  });
  after(async () => {
    await transport?.close();
    await redis?.stop();
  });

  test("outage - matchmaker-down then matchmaker-up, a log line each, status() in between, registration-failed from the server", async () => {
    const server = getRpcServer(transport, { topic: "obs-outage", server: "s" }, [{}]);
    await server.start();
    assert.equal(transport.status().matchmaker.available, true);
    await redis.kill();
    await until(() => events.some((e) => e.type === "matchmaker-down"), "matchmaker-down was reported");
    const down = events.find((e) => e.type === "matchmaker-down")!;
    assert.equal(down.type === "matchmaker-down" && down.matchmaker, `redis 127.0.0.1:${redis.port}/0`);
    assert.equal(transport.status().matchmaker.available, false);
    await until(() => events.some((e) => e.type === "registration-failed"), "a failed refresh was reported");
    assert.equal(events.filter((e) => e.type === "matchmaker-down").length, 1, "one event per outage");
    await redis.restart();
    await until(() => events.some((e) => e.type === "matchmaker-up"), "matchmaker-up was reported");
    const up = events.find((e) => e.type === "matchmaker-up")!;
    assert.ok(up.type === "matchmaker-up" && up.downMs > 0);
    assert.equal(transport.status().matchmaker.available, true);
    assert.ok(logger.lines.some((l) => l.level === "warn" && l.obj.type === "matchmaker-down"));
    assert.ok(logger.lines.some((l) => l.level === "info" && l.obj.type === "matchmaker-up"));
    assert.ok(logger.lines.some((l) => l.level === "warn" && l.obj.type === "registration-failed"));
    await server.stop();
  });
});

describe("observability - secrets stay out of the log", { skip: redisSkipReason() }, () => {
  test("outage - a password in the URL never reaches a log line", async () => {
    // A Redis without requirepass accepts the connection (ioredis warns that no password is
    // needed): what matters is that the password in the URL reaches no log line.
    const redis = await startRedis();
    const logger = recordingLogger();
    const transport = await getRpcTransport(`zmq+redis://:s3cret-pw@127.0.0.1:${redis.port}`, { logger });
    try {
      const events: StatusEvent[] = [];
      transport.on("status", (e) => events.push(e));
      const server = getRpcServer(transport, { topic: "obs-secret", server: "s" }, [{}]);
      await server.start();
      await redis.kill();
      await until(() => events.some((e) => e.type === "matchmaker-down"), "matchmaker-down was reported");
      await server.stop();
      assert.ok(logger.lines.length > 0);
      const text = JSON.stringify(logger.lines);
      assert.equal(text.includes("s3cret-pw"), false, text);
    } finally {
      await transport.close();
      await redis.stop();
    }
  });
});
