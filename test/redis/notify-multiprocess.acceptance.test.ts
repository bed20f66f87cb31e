/**
 * Goal: notification pools across processes over zmq+redis://: two listener processes in
 * pool "billing" compete (each notification to exactly one of them, both get some, each
 * sees its share in publication order), a third process without a pool gets every
 * notification; when one member of the pool is killed (SIGKILL), the notifications
 * published afterwards all reach the surviving member and none is lost (no `info()`
 * rejects). Both routing modes (spec/proxy.md): "direct", and "proxy" with two proxies in
 * processes of their own and acks on; there the dead member stays registered until its TTL
 * runs out, every proxy refuses the copies routed to it, and those copies move.
 * Method: test/redis/support/notify-listener-process.ts children, the notifier in this
 * process; each child is asked over RPC (topic "<topic>-ctl") what it received.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { getNotificationTransport, Notifier, RpcClient, type Transport } from "../../src/index.js";
import { transportInternals } from "../../src/internal.js";
import { isValidDistributionOf } from "../support/fixtures.js";
import { KeptLogger } from "../support/notify-fixtures.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { spawnNotifyListener, type ServerChild } from "./support/children.js";
import { spawnProxies, type ProxyChild } from "./support/proxy-child.js";

/** Asks `probe` every 20 ms until `ok` holds of its answer (at most 10 s); returns that answer. */
async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const mode of ["direct", "proxy"] as const) {
  describe(`multi-process notifications over zmq+redis://, ${mode} routing`, {
    skip: redisSkipReason() ?? false,
    timeout: 120_000,
  }, () => {
    let redis: RedisProcess;
    let transport: Transport;
    let children: ServerChild[] = [];
    let proxies: ProxyChild[] = [];
    const options = mode === "proxy" ? ({ routing: "proxy", acks: true } as const) : {};
    const topic = `nmp-${randomUUID().slice(0, 8)}`;

    before(async () => {
      redis = await startRedis();
      if (mode === "proxy") {
        proxies = await spawnProxies(redis.url, 2);
      }
      children = [
        spawnNotifyListener(redis.url, topic, "billing-0", "billing", options),
        spawnNotifyListener(redis.url, topic, "billing-1", "billing", options),
        spawnNotifyListener(redis.url, topic, "audit", undefined, options),
      ];
      await Promise.all(children.map((c) => c.ready));
      transport = await getNotificationTransport(redis.url, options);
    });
    after(async () => {
      await transport?.close();
      await Promise.all(children.map((c) => c.kill()));
      await Promise.all(proxies.map((p) => p.kill()));
      await redis?.stop();
    });

    const received = (name: string): Promise<string[]> =>
      new RpcClient(transport, { topic: `${topic}-ctl`, server: name }, { timeoutMs: 10_000 }).call({}, "received");

    test("two processes of one pool share the notifications; a process without a pool gets them all", async () => {
      const n = new Notifier(transport, { publisherId: "billing-api", topics: [topic], logger: new KeptLogger() });
      const sent = Array.from({ length: 12 }, (_, i) => `usage-${i}`);
      for (const s of sent) await n.info({}, "compute.usage", s);
      const got = await eventually(
        () => Promise.all(["billing-0", "billing-1", "audit"].map(received)),
        (g) => g.flat().length >= 24,
        "12 in the pool and 12 at the listener without one",
      );
      const [b0, b1, audit] = got as [string[], string[], string[]];
      assert.ok(isValidDistributionOf(sent, [b0, b1]), `each once in the pool, in order: ${JSON.stringify([b0, b1])}`);
      assert.ok(b0.length > 0 && b1.length > 0, "both members got some");
      assert.deepEqual(audit, sent);
    });

    test("a killed pool member: every later notification reaches the surviving member", async () => {
      const before0 = (await received("billing-0")).length;
      await children[1]!.kill();
      if (mode === "proxy") {
        // The proxies learn of the kill when its links reset, a moment after the exit; a
        // copy routed to it before that is forwarded into a dead connection, so it may have
        // arrived and is not moved (the guarantee is for copies every proxy refuses). Wait
        // until a call to the killed process is refused rather than lost.
        const probe = new RpcClient(transport, { topic: `${topic}-ctl`, server: "billing-1" }, { timeoutMs: 300 });
        await eventually(
          () =>
            probe.call({}, "received").then(
              () => "answered",
              (e: { code?: string }) => e.code ?? String(e),
            ),
          (code) => code === "MessageDeliveryFailure",
          "every proxy refusing the killed member",
        );
      }
      const n = new Notifier(transport, { publisherId: "billing-api", topics: [topic], logger: new KeptLogger() });
      const sent = Array.from({ length: 6 }, (_, i) => `after-kill-${i}`);
      // Proxy mode: the member's registration outlives it, so copies are still routed to it;
      // every proxy refuses them (NO-ROUTE), so they surely never reached it and move to the
      // survivor like a failed send (spec/proxy.md, "Notifications").
      const engine = transportInternals(transport).engine;
      const failoversBefore = engine.stats.failovers;
      for (const s of sent) await n.info({}, "compute.usage", s);
      const survivor = await eventually(
        () => received("billing-0"),
        (r) => r.length >= before0 + 6,
        "6 more",
      );
      assert.deepEqual(survivor.slice(before0), sent);
      assert.equal(n.stats.copiesFailed, 0);
      // Round robin still picks the dead member for some copies in proxy mode: they moved.
      if (mode === "proxy") assert.ok(engine.stats.failovers > failoversBefore, "a refused copy moved");
    });
  });
}
