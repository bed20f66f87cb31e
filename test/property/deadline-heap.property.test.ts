/**
 * Model-based property of the delivery core's deadline heap (src/core/deadline-heap.ts)
 * under random pushes and removals (a request settling anywhere in the heap, or the first
 * deadline taken): the top is always the earliest deadline, the earliest pushed at a tie;
 * a removed request is out at once (its slot -1, the size down by one); every request in
 * the heap knows its index.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DeadlineHeap } from "../../src/core/deadline-heap.js";
import { DeliveryRequest } from "../../src/internal.js";

type Op = { push: number } | { remove: number } | "takeFirst";

test("deadline-heap property - the top is the earliest deadline (first pushed at a tie); a removed request leaves at once; every slot is right", () => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ push: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ remove: fc.nat() }),
    fc.constant("takeFirst" as const),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const heap = new DeadlineHeap<null>();
      // The model: the requests in the heap in push order.
      let inHeap: DeliveryRequest<null>[] = [];
      let n = 0;
      for (const o of ops) {
        if (o === "takeFirst") {
          const top = heap.peek();
          if (top !== undefined) heap.remove(top);
          inHeap = inHeap.filter((r) => r !== top);
        } else if ("push" in o) {
          const r = new DeliveryRequest<null>(`r${n++}`, "call", "k", o.push, null, null);
          heap.push(r);
          inHeap.push(r);
        } else if (inHeap.length > 0) {
          const r = inHeap[o.remove % inHeap.length]!;
          heap.remove(r);
          assert.equal(r.deadlineSlot, -1, "a removed request keeps no slot");
          heap.remove(r); // a second removal (settle after the deadline took it) changes nothing
          inHeap = inHeap.filter((x) => x !== r);
        }
        assert.equal(heap.size, inHeap.length);
        const first = inHeap.reduce<DeliveryRequest<null> | undefined>(
          (a, r) => (a === undefined || r.deadlineMs < a.deadlineMs ? r : a),
          undefined,
        );
        assert.equal(heap.peek(), first, "the top is the earliest deadline, the first pushed at a tie");
        const slots = new Set(inHeap.map((r) => r.deadlineSlot));
        assert.equal(slots.size, inHeap.length, "two requests share a slot");
        for (const r of inHeap) assert.ok(r.deadlineSlot >= 0 && r.deadlineSlot < inHeap.length);
      }
    }),
  );
});
