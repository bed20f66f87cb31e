/**
 * Creates the matchmaker a zmq+redis:// or zmq+sentinel:// URL names. Used by
 * api/transport.ts (getRpcTransport) and the CLI. Waits for the first connection at most
 * firstConnectWaitMs and never fails because Redis is down: the transport still works
 * from what it learns once Redis answers, and operations fail with MatchmakerUnavailable
 * meanwhile.
 */
import type { Clock } from "../../ports/clock.js";
import { openConnections, type RedisSpec } from "./connection.js";
import { resolveRedisMatchmakerOptions, type RedisMatchmakerOptions } from "./options.js";
import { RedisMatchmaker } from "./redis-matchmaker.js";

export async function createRedisMatchmaker(
  spec: RedisSpec,
  clock: Clock,
  options: RedisMatchmakerOptions = {},
): Promise<RedisMatchmaker> {
  const resolved = resolveRedisMatchmakerOptions(options);
  const mm = new RedisMatchmaker(openConnections(spec, resolved), clock, resolved);
  await mm.ready();
  return mm;
}
