/**
 * Goal: proxy routing mode's own promises (spec/proxy.md), over a real redis-server with
 * two proxies (`npm run proxy`) in processes of their own:
 * - the proxies register under proxy:frontend and proxy:backend, and a proxy stopped with
 *   SIGTERM deregisters and exits 0;
 * - prefix topics: a server of `<p>compute` never sees a fanout for `<p>compute_foo`, a
 *   notification listener of `<p>compute` never a notification for `<p>compute_foo`, in
 *   both routing modes;
 * - one of the two proxies is killed (SIGKILL) while idempotent calls flow: every call
 *   succeeds, and no server runs a message twice (what happened to the others is printed).
 * Method: servers and clients in this process (their sockets reach the proxies over TCP).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  getNotificationListener,
  getNotificationTransport,
  getRpcServer,
  getRpcTransport,
  Notifier,
  RpcClient,
  type DriverOptions,
} from "../../src/index.js";
import { PROXY_BACKEND_KEY, PROXY_FRONTEND_KEY, transportInternals } from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { spawnProxies, type ProxyChild } from "./support/proxy-child.js";

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("proxy routing mode over zmq+redis://", { skip: redisSkipReason() ?? false, timeout: 180_000 }, () => {
  let redis: RedisProcess;
  let proxies: ProxyChild[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    redis = await startRedis();
    proxies = await spawnProxies(redis.url, 2);
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await Promise.all(proxies.map((p) => p.kill()));
    await redis?.stop();
  });

  test("both proxies are registered under proxy:frontend and proxy:backend", async () => {
    const t = await getRpcTransport(redis.url);
    closers.push(() => t.close());
    const mm = transportInternals(t).deps.matchmaker;
    const ready = await Promise.all(proxies.map((p) => p.ready));
    assert.deepEqual(await mm.getHosts(PROXY_FRONTEND_KEY), ready.map((r) => r.frontend).sort());
    assert.deepEqual(await mm.getHosts(PROXY_BACKEND_KEY), ready.map((r) => r.backend).sort());
  });

  for (const routing of ["direct", "proxy"] as const) {
    test(`prefix topics, ${routing} routing: compute never sees compute_foo's fanouts or notifications`, async () => {
      const options: DriverOptions = { routing, acks: routing === "proxy" };
      const p = `pfx${randomUUID().slice(0, 6)}-`;
      const t = await getRpcTransport(redis.url, options);
      const nt = await getNotificationTransport(redis.url, options);
      closers.push(
        () => t.close(),
        () => nt.close(),
      );
      const seen: Record<string, string[]> = { compute: [], compute_foo: [] };
      const servers = (["compute", "compute_foo"] as const).map((topic) =>
        getRpcServer(t, { topic: `${p}${topic}`, server: `${topic}-1` }, [
          { record: (_c: unknown, a: { item: string }) => void seen[topic]!.push(a.item) },
        ]),
      );
      const heard: Record<string, unknown[]> = { compute: [], compute_foo: [] };
      const listeners = (["compute", "compute_foo"] as const).map((topic) =>
        getNotificationListener(
          nt,
          [{ topic: `${p}${topic}` }],
          [{ info: (_c: unknown, _p: unknown, _t: unknown, payload: unknown) => void heard[topic]!.push(payload) }],
        ),
      );
      await Promise.all([...servers, ...listeners].map((s) => s.start()));
      await new RpcClient(t, { topic: `${p}compute_foo`, fanout: true }).cast({}, "record", { item: "foo-1" });
      const n = new Notifier(nt, { publisherId: "test", topics: [`${p}compute_foo`] });
      await n.info({}, "x.y", "foo-note");
      for (let i = 0; i < 100 && (seen.compute_foo!.length < 1 || heard.compute_foo!.length < 1); i++) await wait(20);
      await wait(100); // a stray copy would have arrived by now
      assert.deepEqual(seen, { compute: [], compute_foo: ["foo-1"] });
      assert.deepEqual(heard, { compute: [], compute_foo: ["foo-note"] });
      await Promise.all([...servers, ...listeners].map((s) => s.stop()));
    });
  }

  // Regression: a reply used to leave by the link of the client's latest message, which
  // could be the proxy about to die while its request had crossed the other one; nothing
  // resent it and about one run in two lost a call (spec/proxy.md, Invariants).
  test("SIGKILL one of two proxies while idempotent calls flow: every call succeeds, none runs twice", async () => {
    const options: DriverOptions = { routing: "proxy", acks: true, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 600 };
    const topic = `kill-${randomUUID().slice(0, 6)}`;
    const t = await getRpcTransport(redis.url, options);
    closers.push(() => t.close());
    const ran = new Map<string, number>();
    const servers = [0, 1, 2].map((i) =>
      getRpcServer(t, { topic, server: `s${i}` }, [
        {
          run: async (_c: unknown, a: { id: string }) => {
            ran.set(a.id, (ran.get(a.id) ?? 0) + 1);
            await wait(5);
            return a.id;
          },
        },
      ]),
    );
    await Promise.all(servers.map((s) => s.start()));
    const idem = new RpcClient(t, { topic }, { timeoutMs: 20_000, idempotent: true });
    const plain = new RpcClient(t, { topic }, { timeoutMs: 20_000 });
    const outcomes = {
      idempotentOk: 0,
      idempotentFailed: 0,
      idempotentErrors: [] as string[],
      otherOk: 0,
      otherFailed: [] as string[],
    };
    let n = 0;
    const flow = async (client: RpcClient, idempotent: boolean, until: () => boolean): Promise<void> => {
      while (!until()) {
        const id = `c${n++}`;
        try {
          assert.equal(await client.call({}, "run", { id }), id);
          if (idempotent) outcomes.idempotentOk++;
          else outcomes.otherOk++;
        } catch (err) {
          if (idempotent) {
            outcomes.idempotentFailed++;
            outcomes.idempotentErrors.push(String(err));
          } else outcomes.otherFailed.push(String(err));
        }
      }
    };
    let stop = false;
    const flows = [0, 1, 2, 3].map((i) => flow(i < 3 ? idem : plain, i < 3, () => stop));
    await wait(300);
    await proxies[0]!.kill();
    await wait(2500);
    stop = true;
    await Promise.all(flows);
    console.log(`proxy killed while calls flowed: ${JSON.stringify(outcomes)}`);
    assert.equal(outcomes.idempotentFailed, 0, "idempotent calls keep succeeding");
    assert.ok(outcomes.idempotentOk > 0);
    assert.deepEqual(
      [...ran].filter(([, count]) => count > 1),
      [],
      "no message ran twice",
    );
    await Promise.all(servers.map((s) => s.stop()));
  });

  test("SIGTERM: the surviving proxy deregisters, drains and exits 0", async () => {
    const t = await getRpcTransport(redis.url);
    closers.push(() => t.close());
    const mm = transportInternals(t).deps.matchmaker;
    const { frontend, backend } = await proxies[1]!.ready;
    const code = await proxies[1]!.stop();
    assert.equal(code, 0, proxies[1]!.output());
    assert.match(proxies[1]!.output(), /stopping \(SIGTERM\)/);
    // The survivor's entries are gone at once. The proxy killed in the test before left
    // its entries to expire with their TTL, which may still be running (it was killed
    // about 3 s ago): asserting an empty list here failed one fresh-clone run in CI.
    assert.ok(!(await mm.getHosts(PROXY_FRONTEND_KEY)).includes(frontend), "frontend deregistered");
    assert.ok(!(await mm.getHosts(PROXY_BACKEND_KEY)).includes(backend), "backend deregistered");
  });
});
