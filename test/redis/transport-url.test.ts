/**
 * Goal: getRpcTransport builds the Redis matchmaker for zmq+redis:// and zmq+sentinel://
 * URLs, with the Redis defaults for registrations (TTL 3000 ms, refresh 1000 ms) unless
 * options say otherwise; zmq:// keeps registrations without TTL; URL mistakes specific to
 * Redis are named.
 * Method: transports against a real redis-server; URL parsing as a pure function.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getRpcTransport, InvalidTransportURL } from "../../src/index.js";
import { parseTransportUrl, RedisMatchmaker, transportInternals } from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

test("url - zmq+redis:// with several hosts is refused, naming the hosts and the alternative", () => {
  assert.throws(
    () => parseTransportUrl("zmq+redis://h1:6379,h2:6379/"),
    (e: unknown) =>
      e instanceof InvalidTransportURL && /"h1:6379,h2:6379"/.test(e.message) && /zmq\+sentinel/.test(e.message),
  );
});

test("zmq:// keeps registrations without TTL", async () => {
  const t = await getRpcTransport("zmq://");
  try {
    assert.equal(t.options.registrationTtlMs, null);
  } finally {
    await t.close();
  }
});

describe("getRpcTransport with Redis URLs", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  test("zmq+redis:// gives a Redis matchmaker owned by the transport, TTL 3000 ms refreshed every 1000 ms", async () => {
    const t = await getRpcTransport(`${redis.url}/3`);
    try {
      assert.ok(transportInternals(t).deps.matchmaker instanceof RedisMatchmaker);
      assert.equal(transportInternals(t).deps.ownsMatchmaker, true);
      assert.equal(t.options.registrationTtlMs, 3000);
      assert.equal(t.options.registrationRefreshMs, 1000);
      assert.equal(
        (transportInternals(t).deps.matchmaker as RedisMatchmaker).scheme.channel,
        "zmq-mm:changes:3",
        "the channel names the db",
      );
    } finally {
      await t.close();
    }
  });

  test("explicit registration options and Redis matchmaker options win over the Redis defaults", async () => {
    const t = await getRpcTransport(redis.url, {
      registrationTtlMs: 10_000,
      redisMatchmaker: { keyPrefix: "custom:" },
    });
    try {
      assert.equal(t.options.registrationTtlMs, 10_000);
      assert.equal(t.options.registrationRefreshMs, 3333);
      assert.equal((transportInternals(t).deps.matchmaker as RedisMatchmaker).scheme.indexKey, "custom:keys");
    } finally {
      await t.close();
    }
  });

  test("bad Redis matchmaker options are refused with a RangeError naming the option", async () => {
    await assert.rejects(
      getRpcTransport(redis.url, { redisMatchmaker: { lookupCacheTtlMs: -1 } }),
      /RedisMatchmakerOptions.lookupCacheTtlMs/,
    );
  });
});
