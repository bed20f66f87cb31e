/**
 * The simulator runs proxy routing mode (spec/proxy.md, spec/sim.md "Proxy mode"): the
 * unmodified ProxyShell on proxy hosts, clients and servers in `routing: "proxy"`, judged
 * by the same checkers as direct mode. Each proxy scenario (also run clean by
 * test/sim/scenarios.test.ts) shows the traffic went through the proxies and the fault it
 * names happened; a planted proxy bug is invisible on a quiet network and caught by the
 * acked-cast checker once a proxy is cut off from servers; the swarm draws proxy mode
 * from a stream of its own.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../../sim/run.js";
import { findScenario } from "../../sim/scenarios/catalog.js";
import { FAULT_PRESETS } from "../../sim/faults/options.js";
import { PROXY_SCENARIOS } from "../../sim/scenarios/proxy-scenarios.js";
import { optionsSwarm } from "../../sim/swarm.js";

const run = (name: string, extra: { plantedBug?: string } = {}) => {
  const s = findScenario(name)!;
  return runSimulation({ ...s.input, seed: s.seed, ...extra });
};

describe("sim proxy mode", () => {
  it("every proxy scenario puts every process in proxy routing mode and its traffic through the proxies", async () => {
    for (const s of PROXY_SCENARIOS) {
      assert.ok((s.input.cluster?.proxies ?? 0) > 0, s.name);
      const r = await runSimulation({ ...s.input, seed: s.seed });
      assert.deepEqual(r.violations, [], s.name);
      assert.equal(r.options.driver.routing, "proxy", s.name);
      for (const h of r.cluster.hosts)
        assert.equal(h.node.transport?.options.routing, "proxy", `${s.name} h${h.index}`);
      // Every routed request and every reply or ACK passed through a proxy; fanouts were published.
      assert.ok((r.figures.proxyRouted ?? 0) > 0 && (r.figures.proxyBack ?? 0) > 0, s.name);
      assert.ok((r.figures.proxyPublished ?? 0) > 0, s.name);
      if (s.name === "proxy-crash") assert.equal(r.figures.proxyCrashes, 1);
      if (s.name === "proxy-quiet") assert.equal(r.settled.replied, r.calls);
    }
  });

  it("batches cross the proxies whole both ways, also when one crashes with batches in flight; a proxy from before batches is never sent one", async () => {
    const r = await run("proxy-batches");
    assert.deepEqual(r.violations, []);
    assert.equal(r.settled.replied, r.calls);
    assert.ok((r.figures.proxyBatches ?? 0) > 0, JSON.stringify(r.figures));
    assert.equal(r.figures.proxyMalformed, 0);
    const mixed = await run("proxy-mixed");
    assert.deepEqual(mixed.violations, []);
    assert.equal(mixed.settled.replied, mixed.calls);
    const [fresh, legacy] = mixed.cluster.proxies.map((p) => p.forwarded());
    assert.ok(fresh!.batches > 0, "the proxy that forwards batches got some");
    assert.ok(legacy!.routed > 0 && legacy!.back > 0, "the old proxy carried traffic");
    assert.equal(legacy!.batches, 0);
    assert.equal(legacy!.malformed, 0, "nobody sent the old proxy a batch");
  });

  it("a fanout without acks is not published again after its proxy link dropped: a restarted server would run it twice", async () => {
    // npm run sim -- --seed 204 --hosts 8 --calls 1500 --burst 8 --faults heavy --proxies 3:
    // before, at-most-once found fanouts that ran twice on one host, once in each of two
    // incarnations (the hop table had published them again through another proxy after a
    // link went down; executed-at-most-once-per-server held: each process ran it once).
    for (const seed of [204, 211]) {
      const r = await runSimulation({
        seed,
        cluster: { hosts: 8, proxies: 3 },
        workload: { calls: 1500, burst: 8 },
        faults: FAULT_PRESETS.heavy!,
      });
      assert.deepEqual(r.violations, [], `seed ${seed}`);
    }
  });

  it("the read log sees what a listener reads through its proxy links, so a copy that expired in a server's queue is told from one never delivered", async () => {
    // npm run sim -- --swarm 1 --seed 5033 --burst 8 --proxies draw (and 5048): before, the
    // read log recorded ROUTER reads only, so in proxy mode every acknowledged cast that
    // expired in its server's work gate counted as "resolved but no server read it", and
    // fanout copies that expired as never delivered.
    for (const seed of [5033, 5048]) {
      const r = await runSimulation(optionsSwarm(seed, { proxies: "draw", burst: 8 }));
      assert.equal(r.options.driver.routing, "proxy", `seed ${seed}`);
      assert.deepEqual(r.violations, [], `seed ${seed}`);
    }
  });

  it("a request whose proxy link went down while it waited there runs once: the hop table sent it again, so its first send failing does not make the delivery core send it to another server", async () => {
    // npm run sim -- --swarm 1 --seed 7080 --proxies draw (also 7054, 7106, and 7034 with
    // --proxies 2 --burst 4): non-idempotent calls ran on two servers, acks on or off.
    const runs = [
      optionsSwarm(7080, { proxies: "draw" }),
      optionsSwarm(7054, { proxies: "draw" }),
      optionsSwarm(7034, { proxies: 2, burst: 4 }),
    ];
    for (const input of runs) {
      const r = await runSimulation(input);
      assert.equal(r.options.driver.routing, "proxy", `seed ${input.seed}`);
      assert.deepEqual(r.violations, [], `seed ${input.seed}`);
    }
  });

  it("a proxy cut off from servers answers routes to them with NO-ROUTE once their links drop", async () => {
    const r = await run("proxy-partition");
    assert.deepEqual(r.violations, []);
    assert.ok((r.figures.proxyNoRoute ?? 0) > 0, JSON.stringify(r.figures));
  });

  it("planted bug proxy-acks-on-receipt stays hidden on a quiet network", async () => {
    const r = await run("proxy-quiet", { plantedBug: "proxy-acks-on-receipt" });
    assert.deepEqual(r.violations, []);
  });

  it("planted bug proxy-acks-on-receipt is caught by acked-cast-delivered when a proxy is cut off from servers", async () => {
    const r = await run("proxy-partition", { plantedBug: "proxy-acks-on-receipt" });
    assert.ok(r.violations.length > 0);
    assert.ok(
      r.violations.every((v) => v.checker === "acked-cast-delivered"),
      JSON.stringify(r.violationCounts),
    );
  });

  it("the swarm draws proxy mode from a stream of its own: a direct seed's world is unchanged", () => {
    let proxied = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const plain = optionsSwarm(seed);
      const drawn = optionsSwarm(seed, { proxies: "draw" });
      if (drawn.cluster?.proxies) {
        proxied++;
        assert.ok(drawn.cluster.proxies >= 1 && drawn.cluster.proxies <= 3);
        assert.equal(drawn.driver?.routing, "proxy");
        assert.deepEqual({ ...drawn.cluster, proxies: undefined }, { ...plain.cluster, proxies: undefined });
      } else assert.deepEqual(drawn, plain);
      assert.equal(optionsSwarm(seed, { proxies: 2 }).cluster?.proxies, 2);
    }
    assert.ok(proxied > 5 && proxied < 35, `${proxied} of 40 seeds in proxy mode`);
  });
});
