/**
 * Goal: the client engine sends everything through the pool, on real zeromq.js sockets:
 * a call keeps its socket until its reply (even when the pool needs the room), a server
 * that leaves the matchmaker gets its socket closed, and a request that cannot get a
 * socket fails clearly (SocketPoolError, or MessagingTimeout caused by one).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getRpcServer, MessagingTimeout, RpcClient, type Transport } from "../../src/index.js";
import {
  CryptoRng,
  InProcessMatchmaker,
  NodeClock,
  SocketPoolError,
  ZmqSocketFactory,
  getRpcTransport,
} from "../../src/internal.js";
import { TestServerEndpoint, waitFor } from "../support/fixtures.js";

/** An endpoint whose `hold` call completes only when the test releases it, and says when it started. */
class Holder {
  started = 0;
  private latches: (() => void)[] = [];
  hold(): Promise<string> {
    this.started++;
    return new Promise((r) => this.latches.push(() => r("done")));
  }
  release(): void {
    for (const l of this.latches.splice(0)) l();
  }
}

describe("client engine over the pool", () => {
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  let servers: Transport;
  let topicN = 0;
  const topic = () => `engine-pool-${process.pid}-${topicN++}`;

  before(async () => {
    servers = await getRpcTransport("zmq://", { matchmaker });
  });
  after(async () => {
    await servers.close();
  });

  async function start(t: string, name: string, ep: object) {
    const s = getRpcServer(servers, { topic: t, server: name }, [ep]);
    await s.start();
    return s;
  }

  test("a call keeps its socket until its reply; a call to another server waits for the room (maxSockets 1)", async () => {
    const t = topic();
    const slow = new Holder();
    await start(t, "a", slow);
    await start(t, "b", new TestServerEndpoint());
    const client = await getRpcTransport("zmq://", { matchmaker, pool: { maxSockets: 1 } });
    try {
      const first = new RpcClient(client, { topic: t, server: "a" }, { timeoutMs: 10_000 }).call({}, "hold");
      await waitFor(() => slow.started === 1, 5000, "the slow call to be running on the server");
      const second = new RpcClient(client, { topic: t, server: "b" }, { timeoutMs: 10_000 }).call({}, "ping");
      await waitFor(() => client.poolMetrics.waiting === 1, 5000, "the second call to wait for room");
      assert.equal(client.poolMetrics.draining, 1, "the slow call's socket drains: no new leases, not closed");
      assert.equal(client.poolMetrics.open, 1);
      slow.release();
      assert.equal(await first, "done", "the reply came back on the socket the call was sent on");
      assert.equal(await second, "pong");
      const m = client.poolMetrics;
      assert.deepEqual([m.created, m.preempted, m.peakOpen, m.leases], [2, 1, 1, 0]);
    } finally {
      await client.close();
    }
  });

  test("casts and calls release their sockets: no lease is left once they settle", async () => {
    const t = topic();
    await start(t, "a", new TestServerEndpoint());
    const client = await getRpcTransport("zmq://", { matchmaker });
    try {
      const c = new RpcClient(client, { topic: t, server: "a" }, { timeoutMs: 5000 });
      await Promise.all([c.call({}, "ping"), c.cast({}, "ping"), c.prepare({ fanout: true }).cast({}, "ping")]);
      await waitFor(() => client.poolMetrics.leases === 0, 5000, "every lease to be released");
      assert.equal(client.poolMetrics.created, 1, "one socket for the one server, reused");
    } finally {
      await client.close();
    }
  });

  test("a server that leaves the matchmaker has its socket closed by the client's pool", async () => {
    const t = topic();
    const s = await start(t, "a", new TestServerEndpoint());
    const client = await getRpcTransport("zmq://", { matchmaker });
    try {
      await new RpcClient(client, { topic: t, server: "a" }, { timeoutMs: 5000 }).call({}, "ping");
      assert.equal(client.poolMetrics.open, 1);
      await s.stop();
      await waitFor(() => client.poolMetrics.open === 0, 5000, "the socket to the stopped server to close");
      assert.equal(client.poolMetrics.closedHostRemoved, 1);
    } finally {
      await client.close();
    }
  });

  test("a call that cannot get a socket before its deadline fails with MessagingTimeout caused by SocketPoolError", async () => {
    const t = topic();
    const slow = new Holder();
    await start(t, "a", slow);
    await start(t, "b", new TestServerEndpoint());
    const client = await getRpcTransport("zmq://", { matchmaker, pool: { maxSockets: 1 } });
    try {
      const first = new RpcClient(client, { topic: t, server: "a" }, { timeoutMs: 10_000 }).call({}, "hold");
      await waitFor(() => slow.started === 1, 5000, "the slow call to be running on the server");
      await assert.rejects(
        new RpcClient(client, { topic: t, server: "b" }, { timeoutMs: 200 }).call({}, "ping"),
        (e: unknown) => {
          assert.ok(e instanceof MessagingTimeout, String(e));
          assert.ok(e.cause instanceof SocketPoolError && e.cause.reason === "timeout", `cause: ${String(e.cause)}`);
          return true;
        },
      );
      slow.release();
      assert.equal(await first, "done");
    } finally {
      await client.close();
    }
  });

  test("with maxWaiters 0, a request that would wait for a socket fails at once with SocketPoolError exhausted", async () => {
    const t = topic();
    const slow = new Holder();
    await start(t, "a", slow);
    await start(t, "b", new TestServerEndpoint());
    const client = await getRpcTransport("zmq://", { matchmaker, pool: { maxSockets: 1, maxWaiters: 0 } });
    try {
      const first = new RpcClient(client, { topic: t, server: "a" }, { timeoutMs: 10_000 }).call({}, "hold");
      await waitFor(() => slow.started === 1, 5000, "the slow call to be running on the server");
      await assert.rejects(
        new RpcClient(client, { topic: t, server: "b" }, { timeoutMs: 10_000 }).cast({}, "ping"),
        (e: unknown) => e instanceof SocketPoolError && e.reason === "exhausted",
      );
      slow.release();
      assert.equal(await first, "done");
    } finally {
      await client.close();
    }
  });

  test("requests made one at a time arm the deadline timer once, not once each; close() leaves no timer", async () => {
    const t = topic();
    await start(t, "a", new TestServerEndpoint());
    class CountingClock extends NodeClock {
      armed = 0;
      override setTimer(delayMs: number, fn: () => void) {
        this.armed++;
        return super.setTimer(delayMs, fn);
      }
    }
    const clock = new CountingClock();
    const client = await getRpcTransport("zmq://", {
      matchmaker,
      ports: { sockets: new ZmqSocketFactory(), clock, rng: new CryptoRng() },
    });
    const rpc = new RpcClient(client, { topic: t }, { timeoutMs: 60_000 });
    for (let i = 0; i < 30; i++) assert.equal(await rpc.call({}, "add", { increment: 1 }), i + 1);
    // One engine deadline timer kept while idle, plus the pool's idle-expiry timer (re-armed
    // only when its wake-up moves earlier); before, every request armed its own.
    assert.ok(clock.armed <= 4, `${clock.armed} timers armed for 30 sequential calls`);
    await client.close();
    assert.equal(clock.pending, 0, "a timer survived close()");
  });
});
