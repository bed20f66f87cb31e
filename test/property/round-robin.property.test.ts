/**
 * Properties of round-robin routing:
 * - fairness: with a stable set of n hosts, every window of n consecutive picks visits each
 *   host exactly once;
 * - per-server order (oslo IsValidDistributionOf) follows, since a host's picks are a
 *   subsequence of the caller's sequence;
 * - after the host set changes, the next pick is the first host after the previous pick
 *   (no restart at the first host, no host skipped), and only live hosts are picked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RoundRobinBalancer } from "../../src/internal.js";

const hostSet = fc
  .uniqueArray(fc.constantFrom<string>("h0", "h1", "h2", "h3", "h4", "h5", "h6"), { minLength: 1 })
  .map((a) => [...a].sort());

test("routing property - with a stable host set every window of n picks visits each host once", () => {
  fc.assert(
    fc.property(hostSet, fc.nat(50), (hosts, extra) => {
      const rt = new RoundRobinBalancer();
      const picks = Array.from({ length: hosts.length * 3 + extra }, () => rt.pick("k", hosts));
      for (let i = 0; i + hosts.length <= picks.length; i++) {
        assert.deepEqual([...picks.slice(i, i + hosts.length)].sort(), hosts);
      }
    }),
  );
});

test("routing property - after a host-set change the cursor continues after the previous pick", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(hostSet, fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 8 }),
      (phases) => {
        const rt = new RoundRobinBalancer();
        let prev: string | undefined;
        for (const [hosts, n] of phases) {
          for (let i = 0; i < n; i++) {
            const p = rt.pick("k", hosts);
            assert.ok(hosts.includes(p), "only live hosts are picked");
            const expected = prev === undefined ? hosts[0] : (hosts.find((h) => h > prev!) ?? hosts[0]);
            assert.equal(p, expected);
            prev = p;
          }
        }
      },
    ),
  );
});

test("routing property - keys are independent", () => {
  fc.assert(
    fc.property(hostSet, fc.array(fc.constantFrom("a", "b"), { maxLength: 30 }), (hosts, keys) => {
      const rt = new RoundRobinBalancer();
      const solo = new RoundRobinBalancer();
      const seqA = keys
        .map((k) => [k, rt.pick(k, hosts)] as const)
        .filter(([k]) => k === "a")
        .map(([, h]) => h);
      const alone = seqA.map(() => solo.pick("a", hosts));
      assert.deepEqual(seqA, alone);
    }),
  );
});

test("routing - an empty host set is a programming error", () => {
  assert.throws(() => new RoundRobinBalancer().pick("k", []), RangeError);
});

test("routing property - picks from the same list object and from fresh equal copies are the same sequence", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(hostSet, fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 8 }),
      (phases) => {
        const shared = new RoundRobinBalancer();
        const copied = new RoundRobinBalancer();
        for (const [hosts, n] of phases) {
          for (let i = 0; i < n; i++) assert.equal(shared.pick("k", hosts), copied.pick("k", [...hosts]));
        }
      },
    ),
  );
});
