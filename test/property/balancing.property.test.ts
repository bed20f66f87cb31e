/**
 * Properties of the balancing strategies (spec/balancing.md), each strategy driven
 * directly with a load tracker whose state the test sets through its own API:
 * - every strategy picks only among the candidates it was given, whatever their load;
 * - least-in-flight picks a candidate with the fewest in flight (never one with strictly
 *   more than another candidate);
 * - latency picks one of its two drawn hosts, never the one with the higher EWMA (a host
 *   with no sample counting as 0 ms);
 * - latency's share of picks, over every pair of draws: the host of rank k among n
 *   distinct averages gets exactly 2(n − k) + 1 of the n² pairs, so the fastest gets
 *   (2n − 1)/n² (never all traffic for n ≥ 2) and the slowest 1/n²;
 * - random, least-in-flight's ties and latency's shares hold statistically too, with a
 *   fixed seed and generous bounds (deterministic: the seed never changes).
 * Round robin's fairness is in round-robin.property.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  BALANCING_STRATEGIES,
  createBalancing,
  drawFor,
  HostLoad,
  LatencyBalancer,
  LeastInFlightBalancer,
  RandomBalancer,
  uniformIndex,
  type LoadTracked,
  type RandomSource,
} from "../../src/internal.js";
import { Prng } from "../../sim/prng.js";

const HOSTS: readonly string[] = ["h0", "h1", "h2", "h3", "h4", "h5", "h6"];
const hostSet = fc.uniqueArray(fc.constantFrom(...HOSTS), { minLength: 1 }).map((a) => [...a].sort());

/** A request record for the tracker alone. */
const tracked = (deadlineMs = 1_000_000): LoadTracked => ({ deadlineMs, loadOn: undefined, acceptedAtMs: Number.NaN });

/** Sets `load` so that `host` has `inFlight` requests in flight and (when given) an EWMA of `ewmaMs`. */
function loadHost(load: HostLoad, host: string, inFlight: number, ewmaMs: number | undefined): void {
  if (ewmaMs !== undefined) {
    const r = tracked();
    load.sent(r, host);
    load.accepted(r, 0);
    load.replied(r, ewmaMs); // the first sample is the average
    load.settled(r, false);
  }
  for (let i = 0; i < inFlight; i++) load.sent(tracked(), host);
}

/** An Rng that records its draws. */
class Recording implements RandomSource {
  readonly draws: number[] = [];
  constructor(private readonly inner: RandomSource) {}
  nextUint32(): number {
    const d = this.inner.nextUint32();
    this.draws.push(d);
    return d;
  }
}

/** An Rng that returns the given draws in turn. */
class Scripted implements RandomSource {
  private i = 0;
  constructor(private readonly draws: readonly number[]) {}
  nextUint32(): number {
    return this.draws[this.i++ % this.draws.length]!;
  }
}

const hostState = fc.record({
  inFlight: fc.nat(4),
  ewmaMs: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
});
const scene = fc.record({
  seed: fc.nat(),
  states: fc.tuple(...HOSTS.map(() => hostState)),
  rounds: fc.array(hostSet, { minLength: 1, maxLength: 20 }),
});

test("balancing property - every strategy picks only among the candidates it was given, whatever the hosts' load", () => {
  fc.assert(
    fc.property(scene, fc.constantFrom(...BALANCING_STRATEGIES), ({ seed, states, rounds }, strategy) => {
      const b = createBalancing(strategy, new Prng(seed));
      if (b.load !== undefined)
        HOSTS.forEach((h, i) => {
          loadHost(b.load!, h, states[i]!.inFlight, states[i]!.ewmaMs);
        });
      for (const hosts of rounds) {
        const picked = b.balancer.pick("k", hosts);
        assert.ok(hosts.includes(picked), `${strategy} picked ${picked} outside ${hosts.join(",")}`);
        b.load?.sent(tracked(), picked); // the request is now in flight there
      }
    }),
  );
});

test("balancing property - least-in-flight never picks a host with more in flight than another candidate", () => {
  fc.assert(
    fc.property(scene, ({ seed, states, rounds }) => {
      const load = new HostLoad();
      HOSTS.forEach((h, i) => {
        loadHost(load, h, states[i]!.inFlight, undefined);
      });
      const b = new LeastInFlightBalancer(load, new Prng(seed));
      for (const hosts of rounds) {
        const picked = b.pick("k", hosts);
        const least = Math.min(...hosts.map((h) => load.inFlight(h)));
        assert.equal(load.inFlight(picked), least, `${picked} has more in flight than the least loaded candidate`);
        load.sent(tracked(), picked);
      }
    }),
  );
});

test("balancing property - latency picks one of its two drawn hosts, never the one with the higher EWMA (no sample counts as 0)", () => {
  fc.assert(
    fc.property(scene, ({ seed, states, rounds }) => {
      const load = new HostLoad();
      HOSTS.forEach((h, i) => {
        loadHost(load, h, 0, states[i]!.ewmaMs);
      });
      const rng = new Recording(new Prng(seed));
      const b = new LatencyBalancer(load, rng);
      const ewma = (h: string): number => (Number.isNaN(load.ewmaMs(h)) ? 0 : load.ewmaMs(h));
      for (const hosts of rounds) {
        rng.draws.length = 0;
        const picked = b.pick("k", hosts);
        if (hosts.length === 1) {
          assert.equal(rng.draws.length, 0, "one candidate: no draw");
          continue;
        }
        assert.equal(rng.draws.length, 2, "two draws per pick");
        const [a, c] = rng.draws.map((d) => hosts[uniformIndex(new Scripted([d]), hosts.length)]!);
        assert.ok(picked === a || picked === c, `${picked} is neither drawn host (${a}, ${c})`);
        const other = picked === a ? c! : a!;
        assert.ok(
          ewma(picked) <= ewma(other),
          `picked ${picked} (${ewma(picked)} ms) over ${other} (${ewma(other)} ms)`,
        );
      }
    }),
  );
});

test("balancing property - latency over every pair of draws: the host of rank k of n gets 2(n − k) + 1 of n² picks, so the fastest never gets all traffic", () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 7 }), (averages) => {
      const n = averages.length;
      const hosts = HOSTS.slice(0, n);
      const load = new HostLoad();
      hosts.forEach((h, i) => {
        loadHost(load, h, 0, averages[i]);
      });
      const draws: number[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) draws.push(drawFor(i, n), drawFor(j, n));
      const b = new LatencyBalancer(load, new Scripted(draws));
      const picks = new Map<string, number>();
      for (let p = 0; p < n * n; p++) {
        const h = b.pick("k", hosts);
        picks.set(h, (picks.get(h) ?? 0) + 1);
      }
      const byRank = [...hosts].sort((x, y) => load.ewmaMs(x) - load.ewmaMs(y));
      for (const [i, h] of byRank.entries())
        assert.equal(picks.get(h) ?? 0, 2 * (n - (i + 1)) + 1, `rank ${i + 1} (${h})`);
      assert.ok((picks.get(byRank[0]!) ?? 0) < n * n, "the fastest host does not get every pick");
    }),
  );
});

/** Picks `count` times among `hosts` and returns each host's share. */
function shares(pick: () => string, hosts: readonly string[], count: number): Map<string, number> {
  const n = new Map<string, number>(hosts.map((h) => [h, 0]));
  for (let i = 0; i < count; i++) {
    const h = pick();
    n.set(h, n.get(h)! + 1);
  }
  return new Map([...n].map(([h, c]) => [h, c / count]));
}

test("balancing - random is uniform: 5 hosts, 50,000 picks with a fixed seed, each host's share within 1/5 ± 0.01 (about 5.6 standard deviations)", () => {
  const hosts = HOSTS.slice(0, 5);
  const b = new RandomBalancer(new Prng(20_240_601));
  for (const [h, share] of shares(() => b.pick("k", hosts), hosts, 50_000)) {
    assert.ok(Math.abs(share - 0.2) < 0.01, `${h}: ${share}`);
  }
});

test("balancing - least-in-flight breaks ties uniformly: 4 idle hosts, 40,000 picks with a fixed seed, each within 1/4 ± 0.012", () => {
  const hosts = HOSTS.slice(0, 4);
  const b = new LeastInFlightBalancer(new HostLoad(), new Prng(7));
  for (const [h, share] of shares(() => b.pick("k", hosts), hosts, 40_000)) {
    assert.ok(Math.abs(share - 0.25) < 0.012, `${h}: ${share}`);
  }
});

test("balancing - latency with a fixed seed: among 4 hosts the fastest gets about 7/16 of 40,000 picks and the slowest about 1/16, never all", () => {
  const hosts = HOSTS.slice(0, 4);
  const load = new HostLoad();
  [1, 5, 10, 50].forEach((ms, i) => {
    loadHost(load, hosts[i]!, 0, ms);
  });
  const b = new LatencyBalancer(load, new Prng(99));
  const s = shares(() => b.pick("k", hosts), hosts, 40_000);
  [7, 5, 3, 1].forEach((sixteenths, i) => {
    assert.ok(Math.abs(s.get(hosts[i]!)! - sixteenths / 16) < 0.012, `${hosts[i]}: ${s.get(hosts[i]!)}`);
  });
});

test("balancing - one candidate needs no draw, an empty list is a programming error, and every strategy but round robin needs an rng", () => {
  const never: RandomSource = { nextUint32: () => assert.fail("no draw expected") };
  for (const strategy of BALANCING_STRATEGIES) {
    const b = createBalancing(strategy, never);
    assert.equal(b.strategy, strategy);
    assert.equal(b.balancer.pick("k", ["only"]), "only");
    assert.throws(() => b.balancer.pick("k", []), RangeError);
    if (strategy !== "round-robin") assert.throws(() => createBalancing(strategy, undefined), RangeError);
  }
  assert.equal(createBalancing("round-robin", undefined).load, undefined, "round robin keeps no tracker");
  assert.equal(createBalancing("random", never).load, undefined, "random keeps no tracker");
  assert.ok(createBalancing("least-in-flight", never).load instanceof HostLoad);
  assert.ok(createBalancing("latency", never).load instanceof HostLoad);
});

test("balancing property - drawFor(i, n) is the smallest draw uniformIndex maps to i", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1 << 21 }), fc.nat(), (n, k) => {
      const i = k % n;
      const d = drawFor(i, n);
      assert.equal(uniformIndex(new Scripted([d]), n), i);
      if (d > 0) assert.equal(uniformIndex(new Scripted([d - 1]), n), i - 1);
    }),
  );
});
