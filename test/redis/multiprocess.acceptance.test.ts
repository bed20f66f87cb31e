/**
 * Goal: the acceptance cases of the RPC core (call to a named server, round robin, cast,
 * fanout) hold with zmq+redis:// across processes: three servers, each in its own child
 * process, and the client in this process, talking over TCP and finding each other only
 * through a real redis-server. They run in both routing modes (spec/proxy.md): "direct",
 * and "proxy" with two proxies (`npm run proxy`, src/cli/proxy.ts) in processes of their
 * own and acks on, as proxy mode is meant to run.
 * Method: test/redis/support/server-process.ts children on a fresh topic; their endpoint
 * records what it received, and the test reads that back with calls to each named server.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { getRpcTransport, MessagingTimeout, RpcClient, type Transport } from "../../src/index.js";
import { transportInternals } from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { spawnServer, type ServerChild } from "./support/children.js";
import { spawnProxies, type ProxyChild } from "./support/proxy-child.js";

for (const mode of ["direct", "proxy"] as const) {
  describe(`multi-process RPC over zmq+redis://, ${mode} routing`, {
    skip: redisSkipReason() ?? false,
    timeout: 120_000,
  }, () => {
    let redis: RedisProcess;
    let transport: Transport;
    let servers: ServerChild[];
    let proxies: ProxyChild[] = [];
    const topic = `mp-${randomUUID().slice(0, 8)}`;
    const names = ["server_0", "server_1", "server_2"];
    const options = mode === "proxy" ? ({ routing: "proxy", acks: true } as const) : {};

    before(async () => {
      redis = await startRedis();
      if (mode === "proxy") {
        proxies = await spawnProxies(redis.url, 2);
      }
      servers = names.map((n) => spawnServer(redis.url, topic, n, options));
      await Promise.all(servers.map((s) => s.ready));
      transport = await getRpcTransport(redis.url, options);
    });
    after(async () => {
      await transport?.close();
      await Promise.all(proxies.map((p) => p.kill()));
      await Promise.all(
        (servers ?? []).map((s) =>
          s.stop().then(
            () => s.exited,
            () => s.kill(),
          ),
        ),
      );
      await redis?.stop();
    });

    const client = (o: { server?: string; fanout?: boolean; timeoutMs?: number } = {}): RpcClient =>
      new RpcClient(
        transport,
        { topic, ...(o.server ? { server: o.server } : {}), ...(o.fanout ? { fanout: true } : {}) },
        { timeoutMs: o.timeoutMs ?? 10_000 },
      );

    test("servers in other processes are registered in Redis under their topic", async () => {
      const hosts = await transportInternals(transport).deps.matchmaker.getHosts(`openstack/${topic}`);
      assert.deepEqual(hosts, (await Promise.all(servers.map((s) => s.ready))).map((r) => r.host).sort());
    });

    test("call - specific server: only the named process answers, in order", async () => {
      const c = client({ server: "server_1" });
      for (const ch of "abc") await c.call({}, "append", { text: ch });
      assert.equal(await c.call({}, "append", { text: "d" }), "abcd");
      assert.equal(await c.call({}, "whoami"), "server_1");
    });

    test("call - server in group: round robin reaches every server process", async () => {
      const c = client();
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) seen.add(await c.call<string>({}, "whoami"));
      assert.deepEqual([...seen].sort(), names);
    });

    test("cast - every cast is processed by exactly one server process", async () => {
      const c = client();
      const items = Array.from({ length: 9 }, (_, i) => `cast-${i}`);
      for (const item of items) await c.cast({}, "record", { item });
      // A call to each server after the casts: its reply comes after its earlier casts (per-connection FIFO).
      const got = await Promise.all(names.map((n) => client({ server: n }).call<string[]>({}, "received")));
      const all = got.flat().filter((x) => x.startsWith("cast-"));
      assert.deepEqual(all.sort(), items.sort(), "each cast exactly once");
      assert.ok(got.filter((g) => g.some((x) => x.startsWith("cast-"))).length > 1, "casts were spread over servers");
    });

    test("fanout - every server process receives it", async () => {
      await client({ fanout: true }).cast({}, "record", { item: "fan-1" });
      // Proxy mode: the publish resolves at its first ACK and the copies travel through one
      // proxy while the calls below may take the other, so the check polls (bounded).
      let got: string[][] = [];
      for (let i = 0; i < 100; i++) {
        got = await Promise.all(names.map((n) => client({ server: n }).call<string[]>({}, "received")));
        if (mode === "direct" || got.every((g) => g.includes("fan-1"))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const [i, g] of got.entries()) assert.ok(g.includes("fan-1"), `${names[i]} received the fanout`);
    });

    test("call - a server name nobody registered times out with MessagingTimeout", async () => {
      await assert.rejects(client({ server: "nobody", timeoutMs: 300 }).call({}, "whoami"), MessagingTimeout);
    });
  });
}
