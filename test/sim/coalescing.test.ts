/**
 * Goal: the simulator runs message coalescing as the real driver does (spec/codec.md,
 * "Batches"; decision 0027): under a burst of requests the simulated sockets carry batches
 * both ways and every checker holds; with `coalesceMaxMessages: 1` no batch is sent; the
 * message faults act on the messages inside a batch (a lost ACK in a batch is lost alone),
 * so the acknowledged-delivery scenarios still aim where they say.
 * Method: the catalog's scenarios with a burst workload (eight requests per arrival, handlers that answer at once), read through the servers'
 * counters, the checkers' violations and the network's fault counters.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runSimulation, type SimResult } from "../../sim/run.js";
import { findScenario } from "../../sim/scenarios/catalog.js";
import type { SimInput } from "../../sim/options.js";

function burst(name: string, extra: Partial<SimInput> = {}): Promise<SimResult> {
  const s = findScenario(name)!;
  return runSimulation({
    ...s.input,
    seed: s.seed,
    // The same requests over the same time, eight at a time, answered at once: they queue
    // behind each other's sends both ways. The fault windows still fall while they flow.
    workload: {
      ...s.input.workload,
      burst: 8,
      ratePerSec: (s.input.workload?.ratePerSec ?? 2000) / 8,
      serviceMsMean: 0,
    },
    ...extra,
    driver: { ...s.input.driver, ...extra.driver },
  });
}

function batches(r: SimResult): { received: number; sent: number } {
  let received = 0;
  let sent = 0;
  for (const h of r.cluster.hosts) {
    const st = h.node.server?.stats;
    received += st?.batchesReceived ?? 0;
    sent += st?.batchesSent ?? 0;
  }
  return { received, sent };
}

describe("sim with coalescing", () => {
  it("a burst of calls to one server travels in batches both ways; every request is answered and every checker holds", async () => {
    // One server: a burst spread over several servers gives each one or two of it, and a
    // lone message behind a send leaves alone (replies then rarely queue up in twos).
    const s = findScenario("quiet")!;
    const r = await burst("quiet", { cluster: { ...s.input.cluster, servers: 1, serversPerTopic: 1 } });
    assert.deepEqual(r.violations, []);
    assert.equal(r.settled.replied, r.calls);
    const b = batches(r);
    assert.ok(b.received > 0, "clients coalesced requests");
    assert.ok(b.sent > 0, "servers coalesced replies");
  });

  it("coalesceMaxMessages: 1: the same burst, no batch anywhere, every request answered", async () => {
    const r = await burst("quiet", { driver: { coalesceMaxMessages: 1 } });
    assert.deepEqual(r.violations, []);
    assert.equal(r.settled.replied, r.calls);
    assert.deepEqual(batches(r), { received: 0, sent: 0 });
  });

  it("ack-lost under a burst: ACKs inside batches are lost as the scenario says, copies are answered, nothing runs twice", async () => {
    const r = await burst("ack-lost");
    assert.deepEqual(r.violations, []);
    assert.ok(r.ctx.net.stats.droppedByFault > 0, "the fault took ACKs out");
    assert.ok(batches(r).sent > 0, "ACKs and replies travelled in batches");
  });
});
