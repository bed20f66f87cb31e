/**
 * Goal: acknowledged delivery with failover (DriverOptions.acks, RpcClientOptions.idempotent)
 * holds with real sockets across processes. One of two servers is frozen with SIGSTOP: its
 * TCP connections stay open, so sends to it are accepted, and only missing ACKs (and later
 * its registration expiring in Redis) tell the client it is gone. Then:
 * - idempotent calls to the topic all succeed through the other server, well inside their
 *   timeout;
 * - non-idempotent calls that went to the frozen server fail with MessageDeliveryFailure
 *   naming its host, at the latest at their deadline, and never run on the other server;
 * - after SIGCONT the thawed server runs none of the requests whose deadline passed while
 *   it was frozen, and counts them as expired.
 * Method: two test/redis/support/server-process.ts children over a test-started
 * redis-server, each serving three topics: one for the idempotent calls, one for the
 * non-idempotent ones (each topic has its own socket and stats, so each kind is counted
 * apart), and one for control calls ("report": the ids each topic's "run" ran, and its
 * stats). The client in this process sends every request of the burst right after the
 * freeze, and the server stays frozen until the last of their deadlines has passed.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { getRpcTransport, MessageDeliveryFailure, RpcClient, type Transport } from "../../src/index.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { spawnServer, type ServerChild, type ServerReport } from "./support/children.js";
import { countersSince, untilDrained, type Outcome, type Sent } from "./support/sigstop-burst.js";

const ACK_TIMEOUT_MS = 200;
const ACK_RESENDS_PER_HOST = 2;
/** Servers' registration TTL: a frozen server leaves the matchmaker within a second. */
const REGISTRATION_TTL_MS = 1000;
/** Every request of the burst; long against the failover it measures (below), short for the test's length. */
const TIMEOUT_MS = 6000;
/**
 * The longest a request waits on a silent host before the client believes it dead: the
 * first ACK wait and its doublings, 200 + 400 + 800 ms. An idempotent call moved then needs
 * one round trip to the other server. "Well inside the timeout" is asserted as half of it
 * (3 s): more than twice this bound, room for a loaded machine, and far from the deadline
 * a call relying on its timeout instead of the ACKs would need.
 */
const ACK_GIVE_UP_MS = ACK_TIMEOUT_MS * (2 ** (ACK_RESENDS_PER_HOST + 1) - 1);
const WELL_INSIDE_MS = TIMEOUT_MS / 2;
/** A deadline settles a request at the first timer turn at or after it: event-loop lag on a loaded machine. */
const DEADLINE_TOLERANCE_MS = 500;
const CALLS_PER_KIND = 10;

describe("SIGSTOP of one of two servers, acks on (zmq+redis://)", {
  skip: redisSkipReason() ?? false,
  timeout: 90_000,
}, () => {
  let redis: RedisProcess;
  let transport: Transport;
  let servers: ServerChild[] = [];
  const tag = randomUUID().slice(0, 8);
  const IDEMPOTENT = `sigstop-idem-${tag}`;
  const ONCE = `sigstop-once-${tag}`;
  const CONTROL = `sigstop-ctl-${tag}`;
  let hosts: Record<string, string>[];
  let outcomes: Outcome[];
  let before1: ServerReport;
  let after1: ServerReport;
  let after0: ServerReport;

  const report = (server: string): Promise<ServerReport> =>
    new RpcClient(transport, { topic: CONTROL, server }, { timeoutMs: 10_000 }).call<ServerReport>({}, "report");

  before(async () => {
    redis = await startRedis();
    servers = ["server_0", "server_1"].map((n) =>
      spawnServer(redis.url, [IDEMPOTENT, ONCE, CONTROL].join(","), n, { registrationTtlMs: REGISTRATION_TTL_MS }),
    );
    hosts = (await Promise.all(servers.map((s) => s.ready))).map((r) => r.hosts);
    transport = await getRpcTransport(redis.url, {
      acks: true,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      ackResendsPerHost: ACK_RESENDS_PER_HOST,
    });
    const clients = {
      idempotent: new RpcClient(transport, { topic: IDEMPOTENT }, { timeoutMs: TIMEOUT_MS, idempotent: true }),
      once: new RpcClient(transport, { topic: ONCE }, { timeoutMs: TIMEOUT_MS }),
    };
    // Both servers answer on both topics: the client knows both hosts and holds a connection to each.
    for (const kind of ["idempotent", "once"] as const) {
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++)
        seen.add((await clients[kind].call<{ server: string }>({}, "run", { id: `warm-${kind}-${i}` })).server);
      assert.deepEqual([...seen].sort(), ["server_0", "server_1"], `warm-up calls on ${kind} reached both servers`);
    }
    before1 = await report("server_1");

    await servers[1]!.pause();
    const sent: Sent[] = [];
    for (let i = 0; i < CALLS_PER_KIND; i++)
      for (const kind of ["idempotent", "once"] as const) {
        const id = `${kind}-${i}`;
        const startMs = performance.now();
        const deadline = Date.now() + TIMEOUT_MS;
        sent.push({ id, kind, startMs, deadline, promise: clients[kind].call({}, "run", { id }) });
      }
    outcomes = await Promise.all(
      sent.map(({ promise, ...s }) =>
        promise.then(
          (value): Outcome => ({ ...s, elapsedMs: performance.now() - s.startMs, ok: true, value }),
          (error: unknown): Outcome => ({ ...s, elapsedMs: performance.now() - s.startMs, ok: false, error }),
        ),
      ),
    );
    // Frozen until every request sent to it has passed its deadline (same machine: one wall clock).
    const lastDeadline = Math.max(...sent.map((s) => s.deadline));
    await new Promise((r) => setTimeout(r, Math.max(0, lastDeadline + 300 - Date.now())));
    await servers[1]!.resume();
    after1 = await untilDrained(() => report("server_1"), [IDEMPOTENT, ONCE]);
    after0 = await report("server_0");
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.resume().catch(() => undefined)));
    await transport?.close();
    await Promise.all(
      servers.map((s) =>
        s.stop().then(
          () => s.exited,
          () => s.kill(),
        ),
      ),
    );
    await redis?.stop();
  });

  test("idempotent topic calls issued while a server is frozen all succeed through the other server, well inside their timeout", (t) => {
    const idem = outcomes.filter((o) => o.kind === "idempotent");
    t.diagnostic(
      `elapsed ms: ${idem.map((o) => Math.round(o.elapsedMs)).join(" ")} (ACK give-up bound ${ACK_GIVE_UP_MS})`,
    );
    for (const o of idem) {
      assert.ok(o.ok, `${o.id} succeeded (got ${String(o.error)})`);
      assert.deepEqual(o.value, { id: o.id, server: "server_0" }, `${o.id} answered by the running server`);
      assert.ok(
        o.elapsedMs < WELL_INSIDE_MS,
        `${o.id} took ${Math.round(o.elapsedMs)} ms, not under ${WELL_INSIDE_MS}`,
      );
    }
    const ran0 = after0.topics[IDEMPOTENT]!.ran;
    for (const o of idem) assert.equal(ran0.filter((id) => id === o.id).length, 1, `${o.id} ran once on server_0`);
    const frozen = countersSince(before1, after1, IDEMPOTENT);
    assert.ok(frozen.received >= 1, "some idempotent calls were sent to the frozen server first (and so moved)");
  });

  test("non-idempotent calls that reached the frozen server fail with MessageDeliveryFailure naming its host by their deadline; none runs twice", (t) => {
    const frozenHost = hosts[1]![ONCE]!;
    const once = outcomes.filter((o) => o.kind === "once");
    const failed = once.filter((o) => !o.ok);
    const served = once.filter((o) => o.ok);
    t.diagnostic(`${served.length} served by server_0, ${failed.length} failed naming ${frozenHost}`);
    t.diagnostic(`failure elapsed ms: ${failed.map((o) => Math.round(o.elapsedMs)).join(" ")}`);
    for (const o of served) assert.deepEqual(o.value, { id: o.id, server: "server_0" }, `${o.id} answered by server_0`);
    for (const o of failed) {
      assert.ok(
        o.error instanceof MessageDeliveryFailure,
        `${o.id} failed with MessageDeliveryFailure: ${String(o.error)}`,
      );
      assert.equal(o.error.host, frozenHost, `${o.id}: err.host`);
      assert.equal(o.error.retryable, false, `${o.id}: not retryable (the frozen host may run it)`);
      assert.ok(o.error.message.includes(frozenHost), `${o.id}: the message names ${frozenHost}: ${o.error.message}`);
      assert.ok(
        o.elapsedMs <= TIMEOUT_MS + DEADLINE_TOLERANCE_MS,
        `${o.id} failed after ${Math.round(o.elapsedMs)} ms`,
      );
    }
    assert.ok(failed.length >= 1 && served.length >= 1, "round robin sent some calls to each server");
    const ran0 = after0.topics[ONCE]!.ran;
    const ran1 = after1.topics[ONCE]!.ran;
    for (const o of served) assert.equal(ran0.filter((id) => id === o.id).length, 1, `${o.id} ran once on server_0`);
    for (const o of failed) assert.ok(!ran0.includes(o.id) && !ran1.includes(o.id), `failed ${o.id} ran nowhere`);
    assert.ok(
      countersSince(before1, after1, ONCE).expired >= failed.length,
      "each failed call reached the frozen server",
    );
  });

  test("after SIGCONT the thawed server runs none of the requests whose deadline passed while it was frozen; expired counts them", (t) => {
    for (const topic of [IDEMPOTENT, ONCE]) {
      const ranWhileFrozen = after1.topics[topic]!.ran.slice(before1.topics[topic]!.ran.length);
      const d = countersSince(before1, after1, topic);
      t.diagnostic(`${topic}: ${JSON.stringify(d)}`);
      assert.deepEqual(ranWhileFrozen, [], `server_1 ran nothing on ${topic} after the freeze`);
      assert.equal(d.handled, 0, `no request handled on ${topic}`);
      assert.ok(d.expired >= 1, `requests buffered on ${topic} were read after SIGCONT`);
      assert.equal(d.expired + d.duplicates, d.received, `every request read on ${topic} was dropped unrun`);
    }
  });
});
