/**
 * Goal: the Redis matchmaker meets the same port contract as the in-process one.
 * Method: test/contract/matchmaker.contract.ts against a real redis-server. Each backend is
 * a fresh key prefix; views "a" and "b" are two RedisMatchmaker instances (two command and
 * two subscriber connections), so "b" learns "a"'s changes only through Redis: its lookups
 * and the change channel. Expiries are measured on a shared manual clock
 * (timeSource "clock"), so TTL edges are tested to the millisecond without sleeping.
 */
import { randomUUID } from "node:crypto";
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
  const opts = resolveRedisMatchmakerOptions({ timeSource: "clock", ...o });
  const mm = new RedisMatchmaker(openConnections(spec, opts), clock, opts);
  await mm.ready();
  return mm;
}

matchmakerContract("redis", {
  skip: redisSkipReason,
  async beforeAll() {
    redis = await startRedis();
  },
  async afterAll() {
    await redis?.stop();
  },
  async setup() {
    const clock = new ManualClock();
    const spec: RedisSpec = { kind: "redis", host: "127.0.0.1", port: redis!.port, db: 0 };
    const keyPrefix = `contract-${randomUUID().slice(0, 8)}:`;
    const a = await view(spec, clock, { keyPrefix });
    const b = await view(spec, clock, { keyPrefix });
    return { a, b, clock, teardown: async () => void (await Promise.all([a.close(), b.close()])) };
  },
  async unavailable() {
    const spec: RedisSpec = { kind: "redis", host: "127.0.0.1", port: await freePort(), db: 0 };
    const mm = await view(spec, new ManualClock(), {});
    return { mm, teardown: () => mm.close() };
  },
});
