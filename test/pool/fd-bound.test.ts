/**
 * Goal: on real zeromq.js sockets, the pool keeps a client that talks to many servers
 * within its cap, and file descriptors follow the pool, not the number of servers.
 * Method: 300 RPC servers in this process (one transport for the servers), one client
 * transport with pool.maxSockets 32 and a short idle timeout. Open descriptors are counted
 * from /proc/self/fd before the calls, after every call, and after the pool idled.
 * Without a pool the client would hold 300 sockets (plus their peers' connections).
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { getRpcServer, getRpcTransport, RpcClient, type RpcServer, type Transport } from "../../src/index.js";
import { InProcessMatchmaker, NodeClock } from "../../src/internal.js";
import { waitFor } from "../support/fixtures.js";

const SERVERS = 300;
const MAX_SOCKETS = 32;
const IDLE_MS = 400;
/**
 * Descriptors one pooled connection costs in this process, measured on zeromq.js 6.8: 5
 * (the DEALER's mailbox and TCP socket, its monitor's two, the server's accepted TCP
 * socket). Sockets being closed release theirs a moment later on libzmq's reaper thread,
 * so the bound allows 8 per allowed socket; unpooled, 300 servers would cost >= 1500.
 */
const FDS_PER_SOCKET = 8;
const SLACK_FDS = 40;

const openFds = (): number => readdirSync("/proc/self/fd").length;

/** Awaits a condition, checking it after each turn of the event loop, up to `limitMs`. */
describe("pool on real zeromq", () => {
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  let serverSide: Transport;
  let clientSide: Transport;
  let servers: RpcServer[] = [];
  const topic = `pool-fd-${process.pid}`;

  before(async () => {
    serverSide = await getRpcTransport("zmq://", { matchmaker });
    clientSide = await getRpcTransport("zmq://", {
      matchmaker,
      pool: { maxSockets: MAX_SOCKETS, idleTimeoutMs: IDLE_MS },
    });
    servers = Array.from({ length: SERVERS }, (_, i) =>
      getRpcServer(serverSide, { topic, server: `s${i}` }, [{ whoami: () => i }], { maxConcurrency: 4 }),
    );
    await Promise.all(servers.map((s) => s.start()));
  });

  after(async () => {
    await clientSide.close();
    await serverSide.close();
  });

  test(`one client calling ${SERVERS} servers with maxSockets ${MAX_SOCKETS} keeps open descriptors bounded, and the pool is empty after idling`, async (t) => {
    const client = (i: number) => new RpcClient(clientSide, { topic, server: `s${i}` }, { timeoutMs: 20_000 });
    const before = openFds();
    let during = before;
    const sample = (): void => {
      during = Math.max(during, openFds());
    };

    // Round 1: every server in turn, 16 calls in flight at a time (sockets are reused, then evicted LRU).
    const order = Array.from({ length: SERVERS }, (_, i) => i);
    for (let i = 0; i < SERVERS; i += 16) {
      const batch = order.slice(i, i + 16);
      const got = await Promise.all(batch.map((j) => client(j).call({}, "whoami").finally(sample)));
      assert.deepEqual(got, batch);
    }
    // Round 2: all servers at once: callers wait for room; busy sockets drain to make it.
    const all = await Promise.all(order.map((j) => client(j).call({}, "whoami").finally(sample)));
    assert.deepEqual(all, order);

    // Round 3: 16 servers, 5 calls each: sockets are created once and then reused.
    const createdBefore = clientSide.poolMetrics.created;
    const reusedBefore = clientSide.poolMetrics.reused;
    for (let r = 0; r < 5; r++) {
      const few = order.slice(0, 16);
      assert.deepEqual(await Promise.all(few.map((j) => client(j).call({}, "whoami").finally(sample))), few);
    }
    assert.equal(clientSide.poolMetrics.created - createdBefore, 16, "one socket per server of the working set");
    assert.equal(clientSide.poolMetrics.reused - reusedBefore, 64, "every later call reuses its server's socket");

    const m = clientSide.poolMetrics;
    t.diagnostic(
      `fds before ${before}, peak during ${during}; pool created ${m.created}, reused ${m.reused}, evicted ${m.evicted} (preempted ${m.preempted}), peakOpen ${m.peakOpen}, open ${m.open}`,
    );
    assert.ok(m.peakOpen <= MAX_SOCKETS, `peakOpen ${m.peakOpen} > ${MAX_SOCKETS}`);
    assert.ok(m.created >= SERVERS, "every server needed a socket");
    assert.ok(m.evicted > 0, "the cap forced evictions");
    assert.ok(m.open > 0, "sockets stay open (idle) right after the calls");
    assert.ok(
      during - before <= MAX_SOCKETS * FDS_PER_SOCKET + SLACK_FDS,
      `descriptors grew by ${during - before} > ${MAX_SOCKETS * FDS_PER_SOCKET + SLACK_FDS}`,
    );
    assert.ok(during - before < SERVERS, "far below one descriptor per server, let alone one socket per server");

    // Idle past the timeout: the pool closes every socket and the descriptors return.
    await waitFor(() => clientSide.poolMetrics.open === 0, IDLE_MS * 10, "the pool to close its idle sockets");
    const closed = clientSide.poolMetrics;
    assert.equal(
      closed.recycledIdle,
      closed.created - closed.evicted - closed.recycledFailed - closed.closedHostRemoved,
    );
    await waitFor(() => openFds() <= before + SLACK_FDS, 5000, `descriptors back near ${before} (now ${openFds()})`);
    t.diagnostic(`fds after idling ${openFds()}`);
  });
});
