/**
 * The simulator's PRNG and seeds: streams are reproducible, sub-streams are independent of
 * each other (adding a component does not shift another's numbers), draws stay in range,
 * and seeds parse from a number or a commit hash.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseSeed, Prng, ratio } from "../../sim/prng.js";

const draw = (p: Prng, n: number): number[] => Array.from({ length: n }, () => p.nextUint32());

describe("sim prng", () => {
  it("the same seed and label give the same stream, bit for bit", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 53 - 1 }), fc.string(), (seed, label) => {
        assert.deepEqual(draw(Prng.derive(seed, label), 20), draw(Prng.derive(seed, label), 20));
      }),
      { numRuns: 100 },
    );
  });

  it("a sub-stream does not depend on draws from any other stream", () => {
    const a = Prng.derive(7, "net");
    const before = draw(Prng.derive(7, "host/3"), 10);
    draw(a, 1000);
    assert.deepEqual(draw(Prng.derive(7, "host/3"), 10), before);
    assert.notDeepEqual(draw(Prng.derive(7, "host/4"), 10), before);
  });

  it("int(n) stays in [0, n), range(a, b) in [a, b], chance(0) never and chance(1) always", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 1, max: 2 ** 32 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.nat({ max: 1000 }),
        (seed, n, a, span) => {
          const p = new Prng(seed);
          const v = p.int(n);
          assert.ok(Number.isInteger(v) && v >= 0 && v < n);
          const r = p.range(a, a + span);
          assert.ok(r >= a && r <= a + span);
          assert.equal(p.chance(ratio(0, 5)), false);
          assert.equal(p.chance(ratio(5, 5)), true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("parses a decimal seed and a 40-hex commit hash (first 52 bits)", () => {
    assert.deepEqual(parseSeed("42"), { seed: 42 });
    const c = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";
    assert.deepEqual(parseSeed(c), { seed: parseInt(c.slice(0, 13), 16), commit: c });
    assert.throws(() => parseSeed("12abc"), RangeError);
    assert.throws(() => parseSeed(String(2 ** 60)), RangeError);
  });
});
