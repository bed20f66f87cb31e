/**
 * Goal: zmq+sentinel:// works against a real Sentinel, and a master failover is handled:
 * cached routing continues during the failover, and afterwards the registration is on the
 * new master (replicated, or replayed by the server on reconnect), so a new client finds
 * the server.
 * Method: redis-server master + replica + one Sentinel (`redis-server --sentinel`, quorum 1,
 * down-after 1000 ms) in a temp dir; server and client transports in this process. The
 * master is SIGKILLed; the test waits for Sentinel to report the replica as master.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { getRpcServer, getRpcTransport, RpcClient, type Transport } from "../../src/index.js";
import { transportInternals, type RedisMatchmaker } from "../../src/internal.js";
import { redisSkipReason, startSentinelSetup, type SentinelSetup } from "../support/redis-server.js";

async function until(probe: () => Promise<boolean>, limitMs: number, everyMs = 50): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe().catch(() => false)) return performance.now();
    if (performance.now() - start > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe("zmq+sentinel://", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let setup: SentinelSetup;
  const transports: Transport[] = [];
  const open = async (): Promise<Transport> => {
    const t = await getRpcTransport(setup.url);
    transports.push(t);
    return t;
  };

  before(async () => {
    setup = await startSentinelSetup();
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await setup?.stop();
  });

  test("calls work through Sentinel, and across a master failover", async (t) => {
    const topic = `sentinel-${randomUUID().slice(0, 8)}`;
    const serverT = await open();
    const clientT = await open();
    const server = getRpcServer(serverT, { topic, server: "s1" }, [{ whoami: () => "s1" }]);
    await server.start();
    const c = new RpcClient(clientT, { topic }, { timeoutMs: 5000 });
    assert.equal(await c.call({}, "whoami"), "s1");

    const sentinel = new Redis({ host: "127.0.0.1", port: setup.sentinel.port });
    try {
      const masterPort = async (): Promise<number> =>
        Number(((await sentinel.call("SENTINEL", "get-master-addr-by-name", setup.masterName)) as string[])[1]);
      assert.equal(await masterPort(), setup.master.port);
      await setup.master.kill();
      const killedAt = performance.now();
      // During the failover the client keeps calling from its cache.
      let calls = 0;
      const failedOverAt = await until(async () => {
        assert.equal(await c.call({}, "whoami"), "s1");
        calls++;
        return (await masterPort()) === setup.replica.port;
      }, 30_000);
      t.diagnostic(
        `Sentinel promoted the replica ${(failedOverAt - killedAt).toFixed(0)} ms after the master was killed; ${calls} cached calls succeeded meanwhile`,
      );
      // A client created after the failover finds the server on the new master.
      const late = await open();
      const key = `openstack/${topic}`;
      const foundAt = await until(
        async () => (await transportInternals(late).deps.matchmaker.getHosts(key)).length === 1,
        10_000,
      );
      const replays = (transportInternals(serverT).deps.matchmaker as RedisMatchmaker).stats.replays;
      t.diagnostic(
        `a new client found the server ${(foundAt - failedOverAt).toFixed(0)} ms after the failover (server replayed its registrations ${replays} time(s))`,
      );
      assert.equal(await new RpcClient(late, { topic }, { timeoutMs: 5000 }).call({}, "whoami"), "s1");
      assert.equal(await c.call({}, "whoami"), "s1");
    } finally {
      sentinel.disconnect();
    }
  });
});
