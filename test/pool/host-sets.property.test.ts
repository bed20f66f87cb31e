/**
 * HostSets (pure): a host is reported removed exactly when a fresh host list drops it
 * from the last observed key that listed it, and never twice without being seen again.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { HostSets } from "../../src/internal.js";

const union = (m: Map<string, string[]>): Set<string> => new Set([...m.values()].flat());

test("host sets property - removed hosts are exactly those no observed key lists any more", () => {
  const obs = fc.tuple(fc.constantFrom("k1", "k2", "k3"), fc.uniqueArray(fc.constantFrom("h1", "h2", "h3", "h4")));
  fc.assert(
    fc.property(fc.array(obs, { maxLength: 40 }), (steps) => {
      const sets = new HostSets();
      const model = new Map<string, string[]>();
      for (const [key, hosts] of steps) {
        const before = union(model);
        model.set(key, hosts);
        const after = union(model);
        const expected = [...before].filter((h) => !after.has(h)).sort();
        assert.deepEqual([...sets.observe(key, hosts)].sort(), expected);
        assert.deepEqual(sets.hosts().sort(), [...after].sort());
      }
    }),
  );
});
