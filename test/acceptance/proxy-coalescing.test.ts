/**
 * Goal: coalescing through a proxy on real sockets (spec/proxy.md, "Batches through
 * proxies"): pipelined calls cross the proxy in batches both ways and every call gets its
 * own answer; through a proxy that is not registered as forwarding batches (one from
 * before them) the client sends one message per ROUTE and the calls still succeed; the
 * server's entry says `#wire=2` in proxy mode too, and its subscriptions still follow its
 * registrations (fanouts are published to it).
 * Method: one ProxyShell, a serving and a calling transport in proxy routing mode over
 * zeromq.js and the in-process matchmaker; the proxy's and the server's counters.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getRpcServer, getRpcTransport, RpcClient } from "../../src/index.js";
import {
  CryptoRng,
  InProcessMatchmaker,
  NodeClock,
  PROXY_BATCH_FRONTEND_KEY,
  ProxyShell,
  resolveOptions,
  ZmqSocketFactory,
} from "../../src/internal.js";

const CALLS = 200;

async function viaProxy(options: { batchKey: boolean }) {
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  const deps = { sockets: new ZmqSocketFactory(), clock: new NodeClock(), rng: new CryptoRng(), matchmaker };
  // batches false: as a proxy from before batches (no entry under the batch key, a batch is malformed).
  const proxy = new ProxyShell({ ...deps, options: resolveOptions({}) }, { drainMs: 0, batches: options.batchKey });
  const { frontend } = await proxy.start();
  assert.deepEqual(await matchmaker.getHosts(PROXY_BATCH_FRONTEND_KEY), options.batchKey ? [frontend] : []);
  const serving = await getRpcTransport("zmq://", { matchmaker, routing: "proxy" });
  const calling = await getRpcTransport("zmq://", { matchmaker, routing: "proxy" });
  let fanouts = 0;
  const endpoint = { echo: (_c: unknown, a: { n: number }) => a.n, hear: () => void fanouts++ };
  const server = getRpcServer(serving, { topic: "pc", server: "s" }, [endpoint]);
  await server.start();
  const client = new RpcClient(calling, { topic: "pc", server: "s" }, { timeoutMs: 10_000 });
  const close = async () => {
    await calling.close();
    await serving.close();
    await proxy.stop();
  };
  return { proxy, server, client, calling, close, fanouts: () => fanouts };
}

async function callAll(client: RpcClient): Promise<void> {
  await client.call({}, "echo", { n: -1 }); // linked: the rest queue up behind a send
  const answers = await Promise.all(Array.from({ length: CALLS }, (_, n) => client.call({}, "echo", { n })));
  assert.deepEqual(
    answers,
    Array.from({ length: CALLS }, (_, n) => n),
  );
}

describe("coalescing through a proxy over zeromq.js", () => {
  test("200 calls at once cross the proxy in batches both ways; each call gets its own answer", async () => {
    const { proxy, server, client, close } = await viaProxy({ batchKey: true });
    try {
      await callAll(client);
      assert.equal(server.stats.handled, CALLS + 1);
      assert.ok(server.stats.batchesReceived > 0, "the client's batches reached the server through the proxy");
      assert.ok(server.stats.batchesSent > 0, "the server's batches of replies went back through the proxy");
      assert.ok(server.host!.startsWith("proxied:") && server.host!.endsWith("#wire=2"), server.host);
      assert.equal(proxy.stats.routed, CALLS + 1, "the proxy counts each request of a batch");
      assert.equal(proxy.stats.dropped.malformed, 0);
    } finally {
      await close();
    }
  });

  test("through a proxy not registered as forwarding batches, every request goes alone and every call succeeds", async () => {
    const { proxy, server, client, close } = await viaProxy({ batchKey: false });
    try {
      await callAll(client);
      assert.equal(server.stats.batchesReceived, 0, "no batch reached the server");
      assert.equal(server.stats.batchesSent, 0, "no batch of replies, since none of requests came");
      assert.equal(proxy.stats.routed, CALLS + 1);
      assert.equal(proxy.stats.dropped.malformed, 0, "the proxy was never sent a batch");
    } finally {
      await close();
    }
  });

  test("a server whose entry says #wire=2 still gets the fanouts to its topic (its subscriptions follow its registrations)", async () => {
    const { proxy, calling, close, fanouts } = await viaProxy({ batchKey: true });
    try {
      const fan = new RpcClient(calling, { topic: "pc", fanout: true }, { timeoutMs: 10_000 });
      for (let i = 0; i < 5; i++) await fan.cast({}, "hear");
      const until = Date.now() + 5_000;
      while (fanouts() < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      assert.equal(fanouts(), 5);
      assert.equal(proxy.stats.dropped["no-route"], 0);
    } finally {
      await close();
    }
  });
});
