/**
 * Goal: the Redis matchmaker with keyScheme "oslo" meets the matchmaker port contract,
 * except where oslo's scheme cannot (printed as skips and conditions): no change channel,
 * no exchange in the key, expiry by Redis's own clock in whole seconds.
 * Method: test/contract/matchmaker.contract.ts against a real redis-server; oslo's keys
 * have no prefix, so each backend starts with FLUSHDB (the server is this file's own).
 * lookupCacheTtlMs 0: without a change channel a view sees another's change at its next
 * lookup, which is then at once.
 */
import { Redis } from "ioredis";
import {
  openConnections,
  RedisMatchmaker,
  resolveRedisMatchmakerOptions,
  type RedisMatchmakerOptions,
  type RedisSpec,
} from "../../src/internal.js";
import { matchmakerContract } from "../contract/matchmaker.contract.js";
import { ManualClock } from "../support/manual-clock.js";
import { freePort, redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

let redis: RedisProcess | undefined;

async function view(spec: RedisSpec, clock: ManualClock, o: RedisMatchmakerOptions): Promise<RedisMatchmaker> {
  const opts = resolveRedisMatchmakerOptions({ keyScheme: "oslo", lookupCacheTtlMs: 0, ...o });
  const mm = new RedisMatchmaker(openConnections(spec, opts), clock, opts);
  await mm.ready();
  return mm;
}

matchmakerContract("redis, keyScheme oslo", {
  skip: redisSkipReason,
  lacks: {
    changeFeed: "oslo's scheme has no change channel",
    exchangeScope: "oslo's keys have no exchange (ROUTER/<topic>)",
    manualClockTtl: "oslo's liveness keys expire by Redis's clock (test/redis/oslo-key-scheme.test.ts checks expiry)",
  },
  async beforeAll() {
    redis = await startRedis();
  },
  async afterAll() {
    await redis?.stop();
  },
  async setup() {
    const clock = new ManualClock();
    const spec: RedisSpec = { kind: "redis", host: "127.0.0.1", port: redis!.port, db: 0 };
    const raw = new Redis({ host: "127.0.0.1", port: redis!.port, lazyConnect: true });
    await raw.connect();
    await raw.flushdb();
    raw.disconnect();
    const a = await view(spec, clock, {});
    const b = await view(spec, clock, {});
    return { a, b, clock, teardown: async () => void (await Promise.all([a.close(), b.close()])) };
  },
  async unavailable() {
    const spec: RedisSpec = { kind: "redis", host: "127.0.0.1", port: await freePort(), db: 0 };
    const mm = await view(spec, new ManualClock(), {});
    return { mm, teardown: () => mm.close() };
  },
});
