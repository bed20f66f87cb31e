/**
 * The simulated network's queues: a PairFifo behaves exactly like a plain array of pairs
 * used as a queue, whatever the interleaving of pushes, drops and clears (its head pair
 * lives outside the ring, so the property covers the hand-over between the two).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PairFifo } from "../../sim/net/pair-fifo.js";

type Op = { op: "push"; v: number } | { op: "drop" } | { op: "clear" };

const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant("push" as const), v: fc.integer() }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant("drop" as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("clear" as const) }) },
  ),
  { maxLength: 300 },
);

describe("sim queues", () => {
  it("a PairFifo keeps pairs together and in push order, like an array queue", () => {
    fc.assert(
      fc.property(ops, (list: Op[]) => {
        const q = new PairFifo<string, number>();
        const model: [string, number][] = [];
        for (const o of list) {
          if (o.op === "push") {
            q.push(`m${o.v}`, o.v);
            model.push([`m${o.v}`, o.v]);
          } else if (o.op === "drop") {
            q.drop();
            model.shift();
          } else {
            assert.equal(q.clear(), model.length);
            model.length = 0;
          }
          assert.equal(q.length, model.length);
          assert.equal(q.peekA(), model[0]?.[0]);
          assert.equal(q.peekB(), model[0]?.[1]);
          const firsts: string[] = [];
          q.forEachA((a) => firsts.push(a));
          assert.deepEqual(firsts, model.map((p) => p[0]));
        }
      }),
      { numRuns: 300 },
    );
  });
});
