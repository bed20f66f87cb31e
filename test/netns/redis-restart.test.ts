/**
 * Goal (issue "Liveness on real networks"): Redis killed and restarted while traffic flows
 * loses no call that had a live server.
 * - While Redis is down, past the registrations' TTL, every call of both clients succeeds
 *   (they route from their cache; servers keep serving).
 * - A server SIGKILLed during the outage: with acks, idempotent calls all still succeed
 *   (they move); without acks, the only calls that fail are ones the client sent to the
 *   killed server before it saw that server's connection drop (they had no live server:
 *   a call not marked idempotent fails at once then, by the failover rule); every other
 *   call succeeds.
 * - Redis restarted empty: the live servers register again and the killed one stays out;
 *   calls keep succeeding through the restart (a Redis that comes back empty lists nobody
 *   for a moment, and that must not fail a call waiting on a live server) and reach both
 *   live servers after it.
 * Method: Redis, three servers and two clients, each in its own network namespace
 * (test/netns/support/cluster.ts). Client c0 uses acks and idempotent calls, c1 neither;
 * each runs two call loops on the topic throughout. Figures are printed as diagnostics.
 */
import { addressOf } from "../support/host-address.js";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Cluster } from "./support/cluster.js";
import { epochNow } from "./support/faults.js";
import { netnsSkipReason } from "./support/netns-env.js";
import { answeredBy, describeOutcomes, hold, hostsByCall, startedBetween, until } from "./support/outcomes.js";
import type { CallOutcome, ConnectionRecord, SendRecord } from "./support/outcomes.js";

/** The Redis matchmaker's default registration TTL (zmq+redis://): the outage lasts longer. */
const TTL_MS = 3000;
const OUTAGE_MS = TTL_MS + 2000;
/** How long after Redis returns the live servers must be listed again: reconnect backoff plus a refresh, generously. */
const REREGISTER_LIMIT_MS = 10_000;

describe("Redis killed and restarted while calls flow (network namespaces)", {
  skip: netnsSkipReason() ?? false,
  timeout: 180_000,
}, () => {
  const topic = `rr-${randomUUID().slice(0, 8)}`;
  let cluster: Cluster;
  const t: Record<string, number> = {};
  let acked: CallOutcome[];
  let plain: CallOutcome[];
  let plainSends: SendRecord[];
  let plainConnections: ConnectionRecord[];
  let listedAfter: string[];
  let liveHosts: string[];
  let killedHost: string;

  before(async () => {
    cluster = await Cluster.start({
      servers: 3,
      topics: [topic],
      clients: [{ acks: true, ackTimeoutMs: 200, ackResendsPerHost: 2 }, {}],
    });
    const [c0, c1] = cluster.clients as [(typeof cluster.clients)[0], (typeof cluster.clients)[0]];
    liveHosts = cluster.servers.slice(0, 2).map((s) => s.hosts[topic]!);
    killedHost = cluster.servers[2]!.hosts[topic]!;
    await c0.startLoad("a", topic, { idempotent: true, timeoutMs: 5000, workers: 2 });
    await c1.startLoad("p", topic, { timeoutMs: 3000, workers: 2 });
    await hold(1000);
    t.redisKilled = await cluster.redis.kill();
    await hold(OUTAGE_MS / 2);
    t.serverKilled = await cluster.servers[2]!.proc.kill();
    await hold(OUTAGE_MS / 2);
    await cluster.redis.start();
    t.redisBack = epochNow();
    t.relisted = await until(async () => {
      listedAfter = await c0.hosts(topic);
      return liveHosts.every((h) => listedAfter.includes(h));
    }, REREGISTER_LIMIT_MS);
    await hold(2000);
    t.end = epochNow();
    [acked, plain] = await Promise.all([c0.stopLoad("a"), c1.stopLoad("p")]);
    ({ sends: plainSends, connections: plainConnections } = await c1.sends());
  });
  after(() => cluster?.teardown());

  test("while Redis is down past the TTL and all servers live, every call of both clients succeeds", (t2) => {
    const outage = [...acked, ...plain].filter((o) => o.startMs >= t.redisKilled! && o.endMs < t.serverKilled!);
    t2.diagnostic(`Redis down, servers live: ${describeOutcomes(outage)}`);
    assert.ok(outage.length > 20, "calls flowed during the outage");
    assert.deepEqual(
      outage.filter((o) => !o.ok),
      [],
    );
    assert.equal(Object.keys(answeredBy(outage)).length, 3, "all three servers kept answering");
  });

  test("with acks, idempotent calls all succeed although a server is killed during the outage", (t2) => {
    t2.diagnostic(`c0 (acks, idempotent): ${describeOutcomes(acked)}`);
    assert.deepEqual(
      acked.filter((o) => !o.ok),
      [],
    );
    const afterKill = startedBetween(acked, t.serverKilled! + 100, t.end!);
    assert.ok(afterKill.length > 20);
    assert.equal(answeredBy(afterKill).server_2, undefined, "the killed server answers nothing");
  });

  test("without acks, while Redis is down the only calls that fail were sent to the killed server before the client saw its connection drop", (t2) => {
    const failed = plain.filter((o) => !o.ok && o.endMs < t.redisBack!);
    const dropSeen = plainConnections.find(
      (c) => c.host === addressOf(killedHost) && c.type === "disconnect" && c.atMs >= t.serverKilled!,
    );
    t2.diagnostic(`c1 (no acks): ${describeOutcomes(plain)}`);
    t2.diagnostic(
      `the client saw the killed server's connection drop ${dropSeen ? (dropSeen.atMs - t.serverKilled!).toFixed(1) : "never"} ms after SIGKILL`,
    );
    const killedEvents = plainConnections.filter(
      (c) => c.host === addressOf(killedHost) && c.atMs >= t.serverKilled! - 1000,
    );
    t2.diagnostic(
      `killed server's connection events (ms after SIGKILL): ${killedEvents.map((c) => `${c.type} ${(c.atMs - t.serverKilled!).toFixed(1)}`).join(", ")}; Redis ready again ${(t.redisBack! - t.serverKilled!).toFixed(0)} ms after it`,
    );
    const where = hostsByCall(plainSends);
    for (const o of failed) {
      const sentAt = plainSends.filter((s) => s.callId === o.id).map((s) => s.atMs - t.serverKilled!);
      t2.diagnostic(
        `failed ${o.id} after ${(o.endMs - o.startMs).toFixed(0)} ms: sent ${sentAt.map((x) => x.toFixed(1)).join(", ")} ms after SIGKILL; ${o.error?.name}: ${o.error?.message}`,
      );
    }
    assert.ok(dropSeen, "the client saw the connection drop");
    for (const o of failed) {
      assert.deepEqual([...(where.get(o.id) ?? [])], [addressOf(killedHost)], `${o.id} went only to the killed server`);
      for (const s of plainSends.filter((x) => x.callId === o.id))
        assert.ok(s.atMs <= dropSeen.atMs, `${o.id} was sent before the client saw the drop`);
    }
    assert.ok(failed.length <= 2, "at most one call in flight per loop");
    const afterDrop = startedBetween(plain, dropSeen.atMs, t.redisBack!);
    assert.ok(afterDrop.length > 20, "calls kept flowing after the kill");
    assert.equal(answeredBy(afterDrop).server_2, undefined, "the killed server answers nothing");
  });

  test("without acks, no call on a live server fails when Redis comes back empty", (t2) => {
    const dropSeen = plainConnections.find(
      (c) => c.host === addressOf(killedHost) && c.type === "disconnect" && c.atMs >= t.serverKilled!,
    );
    assert.ok(dropSeen);
    const failed = startedBetween(plain, dropSeen.atMs, t.end!).filter((o) => !o.ok);
    for (const o of failed)
      t2.diagnostic(
        `failed ${o.id}, ${(o.startMs - t.redisBack!).toFixed(0)} ms after Redis was ready: ${o.error?.name}: ${o.error?.message}`,
      );
    assert.deepEqual(failed, []);
  });

  test("Redis restarted empty: the live servers are listed again, the killed one is not, and calls reach both", (t2) => {
    t2.diagnostic(
      `listed again ${Math.round(t.relisted! - t.redisBack!)} ms after redis-server was ready: ${listedAfter.join(" ")}`,
    );
    assert.deepEqual(listedAfter.sort(), [...liveHosts].sort());
    const afterRestart = [...acked, ...plain].filter((o) => o.startMs >= t.relisted!);
    t2.diagnostic(`after the restart: ${describeOutcomes(afterRestart)}`);
    assert.deepEqual(
      afterRestart.filter((o) => !o.ok),
      [],
    );
    assert.deepEqual(Object.keys(answeredBy(afterRestart)).sort(), ["server_0", "server_1"]);
  });
});
