/**
 * Goal: the simulator runs clusters with CURVE (sim/cluster/sim-curve.ts) and its CURVE
 * scenarios show what they are about: a client whose key no server allows gets nothing
 * read, run or answered while every other client is served; servers that restart come
 * back with new key pairs, published in the matchmaker, and are called with them.
 * Method: the catalog's scenarios at their own seeds (they also run clean in
 * scenarios.test.ts), read through the run's logs and the simulated network's counters.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OUTCOME } from "../../sim/history/call-log.js";
import { serverKey } from "../../sim/history/exec-log.js";
import { resolveSimOptions } from "../../sim/options.js";
import { runSimulation } from "../../sim/run.js";
import { findScenario } from "../../sim/scenarios/catalog.js";
import { parseHostEntry } from "../../src/internal.js";

async function run(name: string) {
  const s = findScenario(name)!;
  return runSimulation({ ...s.input, seed: s.seed });
}

describe("sim with CURVE", () => {
  it("curve-quiet: every server's entry publishes its key, and every request is answered", async () => {
    const r = await run("curve-quiet");
    assert.deepEqual(r.violations, []);
    for (const h of r.cluster.hosts) {
      const entry = parseHostEntry(h.node.address!);
      assert.equal(entry.curveServerKey, r.ctx.curve!.keyPair(h.index, h.node.incarnation).publicKey);
    }
    assert.equal(r.settled.replied, r.calls);
    assert.equal(r.ctx.net.stats.handshakeFailures, 0);
  });

  it("curve-refused-client: the refused host's requests all fail unread, every other host's are answered", async () => {
    const r = await run("curve-refused-client");
    assert.deepEqual(r.violations, []);
    const { calls } = r.ctx;
    let refused = 0;
    for (let n = 0; n < calls.size; n++) {
      if (calls.probe[n] === 1) continue;
      if (calls.host[n] === 6) {
        refused++;
        assert.ok([OUTCOME.failed, OUTCOME.timedOut].includes(calls.outcome[n] as 2 | 3), `request #${n} failed`);
        assert.equal(r.ctx.reads.wasRead(n), false);
      } else assert.equal(calls.outcome[n], OUTCOME.replied, `request #${n} from h${calls.host[n]} was answered`);
    }
    assert.ok(refused > 0, "the refused host sent requests");
    assert.ok(r.ctx.net.stats.handshakeFailures > 0, "its handshakes were refused");
    assert.equal(r.figures.refusedClientRequests, refused);
  });

  it("curve-rotate: each restarted server publishes a new key, and its new incarnation is called with it", async () => {
    const r = await run("curve-rotate");
    assert.deepEqual(r.violations, []);
    for (const h of [0, 1, 2]) {
      const incarnations = r.cluster.hosts[h]!.incarnations;
      assert.ok(incarnations.length >= 2, `h${h} restarted`);
      const keys = incarnations.map((n) => r.ctx.curve!.keyPair(h, n.incarnation).publicKey);
      assert.equal(new Set(keys).size, keys.length, `h${h} has a new key in each incarnation`);
      const last = incarnations[incarnations.length - 1]!;
      assert.equal(parseHostEntry(last.address!).curveServerKey, keys[keys.length - 1]);
      assert.ok(
        (r.ctx.exec.byServer.get(serverKey(h, last.incarnation))?.n.length ?? 0) > 0,
        `h${h}'s new incarnation ran requests`,
      );
    }
  });

  it("options: a refused host must be a client-only host, and CURVE runs are bounded in size", () => {
    assert.throws(() => resolveSimOptions({ cluster: { hosts: 6 }, curve: { refusedHosts: [2] } }), /client-only host/);
    assert.throws(() => resolveSimOptions({ cluster: { hosts: 500 }, curve: {} }), /at most 200 hosts/);
    assert.deepEqual(resolveSimOptions({ cluster: { hosts: 6, servers: 5 }, curve: { refusedHosts: [5] } }).curve, {
      refusedHosts: [5],
    });
  });
});
