/**
 * The simulated network's queues: a PairFifo behaves exactly like a plain array of pairs
 * used as a queue, whatever the interleaving of pushes, drops and clears (its head pair
 * lives outside the ring, so the property covers the hand-over between the two); a
 * TimerTable answers like a Map through any mix of adds and deletes (the backward-shift
 * deletion must keep every remaining id findable); the EventQueue pops events in
 * (time, sequence) order through any mix of pushes, pops and removals.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PairFifo } from "../../sim/net/pair-fifo.js";
import { EventQueue, type SimEvent } from "../../sim/event-queue.js";
import { TimerTable } from "../../sim/timer-table.js";

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
          assert.deepEqual(
            firsts,
            model.map((p) => p[0]),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a TimerTable answers get, delete and size like a Map, through any adds and deletes", () => {
    const steps = fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 200 })), { maxLength: 400 });
    fc.assert(
      fc.property(steps, fc.integer({ min: 1, max: 64 }), (list, stride) => {
        const t = new TimerTable<string>();
        const m = new Map<number, string>();
        let next = 1;
        for (const s of list) {
          if (s < 0) {
            // add: ids come in sequence, as a clock hands them out (stride spreads them)
            const id = next;
            next += stride;
            t.set(id, `v${id}`);
            m.set(id, `v${id}`);
          } else {
            const id = 1 + s * stride;
            assert.equal(t.delete(id), m.get(id));
            m.delete(id);
          }
          assert.equal(t.size, m.size);
          for (const [k, v] of m) assert.equal(t.get(k), v);
          assert.deepEqual(t.values().sort(), [...m.values()].sort());
        }
        assert.equal(t.get(0), undefined);
        assert.equal(t.delete(0), undefined);
      }),
      { numRuns: 200 },
    );
  });

  it("an EventQueue pops in (time, seq) order through any pushes, pops and removals", () => {
    const step = fc.oneof(
      { weight: 5, arbitrary: fc.record({ op: fc.constant("push" as const), at: fc.integer({ min: 0, max: 50 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("pop" as const) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("remove" as const), k: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 2500 }), (list) => {
        const q = new EventQueue();
        const live: SimEvent[] = [];
        const fn = (): void => undefined;
        const less = (a: SimEvent, b: SimEvent): number => a.atUs - b.atUs || a.seq - b.seq;
        for (const s of list) {
          if (s.op === "push") live.push(q.push(s.at, fn));
          else if (s.op === "pop") {
            live.sort(less);
            assert.equal(q.pop(), live.shift());
          } else if (live.length > 0) {
            const ev = live.splice(s.k % live.length, 1)[0]!;
            assert.equal(q.remove(ev), true);
            assert.equal(q.remove(ev), false);
          }
          assert.equal(q.size, live.length);
        }
        live.sort(less);
        for (const ev of live) assert.equal(q.pop(), ev);
        assert.equal(q.pop(), undefined);
      }),
      { numRuns: 100 },
    );
  });
});
