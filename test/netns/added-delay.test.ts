/**
 * Goal: the harness's added latency (support/added-delay.ts: netem where the kernel has
 * it, else a delay relay in the server's namespace) does what the latency case relies on:
 * with 50 ms added, every round trip to the server takes at least 50 ms longer than the
 * shortest it took before; removed, calls still work (the relay is transparent, netem gone).
 * Method: Redis, one server and one client, each in its own namespace; the test times
 * calls to the server made by the client process (the time measured includes the pipe to
 * the client process, which only lengthens it: the asserted bound is a lower one).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { addedDelay, needsRelay, type AddedDelay } from "./support/added-delay.js";
import { Cluster } from "./support/cluster.js";
import { epochNow } from "./support/faults.js";
import { netnsSkipReason } from "./support/netns-env.js";

const DELAY_MS = 50;

describe("added latency on one server (network namespaces)", {
  skip: netnsSkipReason() ?? false,
  timeout: 120_000,
}, () => {
  const topic = `delay-${randomUUID().slice(0, 8)}`;
  let cluster: Cluster;
  let delay: AddedDelay;

  /** Round trips (ms) of `n` calls to server_0, one after another. */
  const roundTrips = async (n: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = epochNow();
      assert.equal(await cluster.clients[0]!.call(topic, "whoami", { server: "server_0" }), "server_0");
      out.push(epochNow() - start);
    }
    return out;
  };

  before(async () => {
    cluster = await Cluster.start({
      servers: 1,
      topics: [topic],
      clients: [{}],
      relayed: needsRelay() ? ["server_0"] : [],
    });
    delay = addedDelay(cluster.servers[0]!);
  });
  after(() => cluster?.teardown());

  test(`with ${DELAY_MS} ms added, every round trip to the server is at least ${DELAY_MS} ms longer than the shortest before`, async (t) => {
    const plain = await roundTrips(10);
    await delay.set(DELAY_MS);
    const delayed = await roundTrips(10);
    await delay.clear();
    const again = await roundTrips(3);
    t.diagnostic(`mechanism: ${delay.mechanism}`);
    t.diagnostic(`round trips (ms) before: ${plain.map((x) => x.toFixed(1)).join(" ")}`);
    t.diagnostic(`with ${DELAY_MS} ms added: ${delayed.map((x) => x.toFixed(1)).join(" ")}`);
    t.diagnostic(`after removing it: ${again.map((x) => x.toFixed(1)).join(" ")}`);
    const shortest = Math.min(...plain);
    for (const d of delayed)
      assert.ok(d >= shortest + DELAY_MS, `${d.toFixed(1)} ms < ${shortest.toFixed(1)} + ${DELAY_MS}`);
  });
});
