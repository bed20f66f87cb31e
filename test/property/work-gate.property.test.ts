/**
 * Model-based property of the server's work gate under random offer/finish/close:
 * running never exceeds maxConcurrency, jobs start in arrival order, none is dropped
 * while open, refused only after close, and drained() holds exactly when closed and idle.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { WorkGate } from "../../src/internal.js";

test("work-gate property - bounded, FIFO, lossless while open, drains after close", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.constantFrom("offer", "finish", "close"), { maxLength: 60 }),
      (max, ops) => {
        const gate = new WorkGate<number>(max);
        const started: number[] = [];
        let running = 0;
        let next = 0;
        let accepted = 0;
        let closed = false;
        for (const o of ops) {
          if (o === "offer") {
            const id = next++;
            const v = gate.offer(id);
            if (closed) assert.equal(v, "refused");
            else {
              accepted++;
              assert.notEqual(v, "refused");
              if (v === "run") {
                started.push(id);
                running++;
              }
            }
          } else if (o === "finish" && running > 0) {
            const nextJob = gate.finish();
            if (nextJob === undefined) running--;
            else started.push(nextJob);
          } else if (o === "close") {
            gate.close();
            closed = true;
          }
          assert.ok(gate.inFlight <= max);
          assert.equal(gate.inFlight, running);
          assert.equal(running + gate.queued, accepted - (started.length - running));
          assert.equal(gate.drained(), closed && running === 0 && gate.queued === 0);
        }
        const acceptedIds = started.concat();
        assert.deepEqual(
          acceptedIds,
          [...acceptedIds].sort((a, b) => a - b),
          "jobs start in arrival order",
        );
      },
    ),
  );
});

test("work-gate - rejects a non-positive concurrency and a finish without a running job", () => {
  assert.throws(() => new WorkGate(0), RangeError);
  assert.throws(() => new WorkGate<number>(1).finish());
});
