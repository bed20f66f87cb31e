/**
 * One environment per routing mode for the acceptance suites that run in both
 * (spec/proxy.md, "Invariants"): `describeRouting(title, body)` declares one describe block
 * per mode and hands the body a getter for the mode's environment, made once per block.
 * - "direct": `zmq://` with one in-process matchmaker shared by the block's transports.
 * - "proxy": a redis-server of its own (redis-server.ts) and two proxies, each in a process
 *   of its own (`npm run proxy`, test/redis/support/proxy-child.ts), `zmq+redis://` and
 *   `{ routing: "proxy", acks: true }`, as proxy mode is meant to run. The block is skipped,
 *   with the reason printed, when redis-server is absent.
 * The transports a body makes through the environment are closed by the block's after hook,
 * before the proxies and Redis stop; that hook runs also when the set-up or a test failed.
 */
import { after, before, describe } from "node:test";
import { getNotificationTransport, getRpcTransport, type DriverOptions, type Transport } from "../../src/index.js";
import { InProcessMatchmaker, NodeClock } from "../../src/internal.js";
import { spawnProxies, type ProxyChild } from "../redis/support/proxy-child.js";
import { redisSkipReason, startRedis, type RedisProcess } from "./redis-server.js";

export type Routing = "direct" | "proxy";
export const ROUTINGS: readonly Routing[] = ["direct", "proxy"];

export interface RoutingEnv {
  readonly routing: Routing;
  /** `zmq://` (direct) or the Redis server's `zmq+redis://` URL (proxy). */
  readonly url: string;
  /** What every transport of the environment is made with (the shared matchmaker, or proxy routing). */
  readonly options: DriverOptions;
  /** An RPC transport of the environment (`extra` added to its options), closed by the after hook. */
  rpcTransport(extra?: DriverOptions): Promise<Transport>;
  /** A notification transport of the environment, closed by the after hook. */
  notificationTransport(extra?: DriverOptions): Promise<Transport>;
}

/** Why a mode cannot run here (proxy mode without redis-server), or false. */
export function routingSkip(routing: Routing): string | false {
  return (routing === "proxy" && redisSkipReason()) || false;
}

/**
 * `describe(\`${title}, ${routing} routing\`)` for each mode; `body` declares its tests and
 * reads the environment through `env()` inside them (or in its own before hooks).
 */
export function describeRouting(
  title: string,
  body: (env: () => RoutingEnv, routing: Routing) => void,
  opts: { timeoutMs?: number } = {},
): void {
  for (const routing of ROUTINGS) {
    describe(`${title}, ${routing} routing`, { skip: routingSkip(routing), timeout: opts.timeoutMs ?? 120_000 }, () => {
      let current: RoutingEnv | undefined;
      let redis: RedisProcess | undefined;
      let proxies: ProxyChild[] = [];
      const transports: Transport[] = [];
      before(async () => {
        let url = "zmq://";
        let options: DriverOptions;
        if (routing === "proxy") {
          redis = await startRedis();
          url = redis.url;
          proxies = await spawnProxies(url, 2);
          options = { routing: "proxy", acks: true };
        } else {
          options = { matchmaker: new InProcessMatchmaker(new NodeClock()) };
        }
        const track =
          (get: typeof getRpcTransport) =>
          async (extra: DriverOptions = {}): Promise<Transport> => {
            const t = await get(url, { ...options, ...extra });
            transports.push(t);
            return t;
          };
        current = {
          routing,
          url,
          options,
          rpcTransport: track(getRpcTransport),
          notificationTransport: track(getNotificationTransport),
        };
      });
      after(async () => {
        await Promise.allSettled(transports.splice(0).map((t) => t.close()));
        await Promise.allSettled(proxies.map((p) => p.kill()));
        await redis?.stop();
      });
      body(() => {
        if (!current) throw new Error(`the ${routing} routing environment is not set up (its before hook failed)`);
        return current;
      }, routing);
    });
  }
}
