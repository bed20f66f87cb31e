/**
 * Model-based property of the reply waiter: under any interleaving of add, settle
 * (reply), expire (clock advance) and drain, every entry leaves exactly once, an entry
 * never expires before its deadline and never outlives it past an expire() call at or
 * after it, and nextDeadlineMs is the earliest pending deadline.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ReplyWaiter } from "../../src/internal.js";

type Op = { k: "add"; d: number } | { k: "settle"; i: number } | { k: "advance"; by: number } | { k: "drain" };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant("add" as const), d: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ k: fc.constant("settle" as const), i: fc.nat(40) }),
  fc.record({ k: fc.constant("advance" as const), by: fc.integer({ min: 0, max: 60 }) }),
  fc.constant({ k: "drain" as const }),
);

test("reply-waiter property - each entry settles exactly once and never before its deadline", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const w = new ReplyWaiter<number>();
      const model = new Map<number, number>(); // id -> deadline
      const left = new Set<number>();
      let now = 0;
      let next = 0;
      const out = (id: number) => {
        assert.ok(!left.has(id), `entry ${id} left twice`);
        left.add(id);
        model.delete(id);
      };
      for (const o of ops) {
        if (o.k === "add") {
          const id = next++;
          w.add(String(id), now + o.d, id);
          model.set(id, now + o.d);
        } else if (o.k === "settle") {
          const got = w.settle(String(o.i));
          assert.equal(got !== undefined, model.has(o.i), "settle finds exactly the pending ids");
          if (got !== undefined) out(got);
        } else if (o.k === "advance") {
          now += o.by;
          for (const id of w.expire(now)) {
            assert.ok(model.get(id)! <= now, "never before the deadline");
            out(id);
          }
          for (const d of model.values()) assert.ok(d > now, "nothing overdue is left pending");
        } else {
          for (const id of w.drain()) out(id);
        }
        const min = model.size === 0 ? undefined : Math.min(...model.values());
        assert.equal(w.nextDeadlineMs(), min);
        assert.equal(w.size, model.size);
      }
    }),
  );
});

test("reply-waiter - duplicate ids are a programming error", () => {
  const w = new ReplyWaiter<number>();
  w.add("a", 1, 1);
  assert.throws(() => w.add("a", 2, 2));
});
