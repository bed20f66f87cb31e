/**
 * Goal: IdTable (src/core/id-table.ts) behaves as the Map it replaces in the delivery
 * core's request book: size, has/get/set/delete, values in insertion order for the
 * engine's ids, deleting while iterating (a close settles every pending request), clear.
 * Method: a property test against a Map driven by the same random operations, plus the
 * iteration cases by hand.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { IdTable } from "../../src/core/id-table.js";

/** Ids shaped as the client engine makes them: "<prefix>.<counter in base 36>". */
const engineId = fc.nat(5000).map((n) => `3f9a0c1d2e4b5a6c.${n.toString(36)}`);

test("id table - property: after any sequence of set/delete/clear it answers as a Map does, values in insertion order", () => {
  const op = fc.oneof(
    { weight: 6, arbitrary: fc.record({ k: fc.constant("set" as const), id: engineId, v: fc.integer() }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant("delete" as const), id: engineId }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("clear" as const) }) },
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), fc.array(engineId, { maxLength: 20 }), (ops, probes) => {
      const table = new IdTable<number>();
      const model = new Map<string, number>();
      for (const o of ops) {
        if (o.k === "set") {
          table.set(o.id, o.v);
          model.set(o.id, o.v);
        } else if (o.k === "delete") assert.equal(table.delete(o.id), model.delete(o.id));
        else {
          table.clear();
          model.clear();
        }
      }
      assert.equal(table.size, model.size);
      assert.deepEqual([...table.values()], [...model.values()]);
      for (const id of probes) {
        assert.equal(table.has(id), model.has(id));
        assert.equal(table.get(id), model.get(id));
      }
    }),
  );
});

test("id table - an entry deleted during iteration before its turn is not visited; ids like __proto__ are plain keys", () => {
  const t = new IdTable<string>();
  for (const id of ["a.1", "a.2", "a.3", "__proto__", "constructor"]) t.set(id, id);
  const seen: string[] = [];
  for (const v of t.values()) {
    seen.push(v);
    if (v === "a.1") t.delete("a.3"); // settling one request settles another
    t.delete(v);
  }
  assert.deepEqual(seen, ["a.1", "a.2", "__proto__", "constructor"]);
  assert.equal(t.size, 0);
  assert.equal(t.has("toString"), false, "no inherited keys");
});
