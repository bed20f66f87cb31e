/**
 * Properties of the TTL registry against a model, with time passed in (a fake clock):
 * - an entry is visible at t iff registered and t < (latest registration + ttl), or it
 *   has no ttl, and no unregister came after that registration;
 * - expiry and refresh interleavings never resurrect an unregistered host;
 * - a key whose live set did not change is answered with the same (frozen) array, also
 *   after refreshes move its earliest expiry (HostSets compares answers by reference).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { TtlRegistry } from "../../src/internal.js";

type Op =
  | { k: "reg"; key: number; host: number; ttl: number | null }
  | { k: "unreg"; key: number; host: number }
  | { k: "tick"; by: number }
  | { k: "prune" };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant("reg" as const),
    key: fc.nat(2),
    host: fc.nat(3),
    ttl: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
  }),
  fc.record({ k: fc.constant("unreg" as const), key: fc.nat(2), host: fc.nat(3) }),
  fc.record({ k: fc.constant("tick" as const), by: fc.integer({ min: 0, max: 40 }) }),
  fc.constant({ k: "prune" as const }),
);

test("ttl-registry property - visible exactly while refreshed; unregister is never undone; an unchanged live set is answered with the same array", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
      const reg = new TtlRegistry();
      const last = new Map<number, readonly string[]>(); // key -> previous answer
      const model = new Map<string, number>(); // "key|host" -> expiry
      let now = 0;
      for (const o of ops) {
        if (o.k === "reg") {
          reg.register(`k${o.key}`, `h${o.host}`, o.ttl, now);
          model.set(`k${o.key}|h${o.host}`, o.ttl === null ? Infinity : now + o.ttl);
        } else if (o.k === "unreg") {
          reg.unregister(`k${o.key}`, `h${o.host}`, now);
          model.delete(`k${o.key}|h${o.host}`);
        } else if (o.k === "tick") {
          now += o.by;
        } else {
          reg.prune(now);
        }
        for (let key = 0; key < 3; key++) {
          const expected = [...model.entries()]
            .filter(([kh, exp]) => kh.startsWith(`k${key}|`) && now < exp)
            .map(([kh]) => kh.split("|")[1]!)
            .sort();
          const answer = reg.hosts(`k${key}`, now);
          assert.deepEqual(answer, expected);
          // One operation separates two lookups, so an equal live set means nobody joined or
          // left (refreshes and ticks only): callers may compare answers by reference.
          const prev = last.get(key);
          if (prev !== undefined && prev.length === answer.length && prev.every((h, i) => h === answer[i]))
            assert.equal(answer, prev, "an unchanged host list was rebuilt");
          last.set(key, answer);
        }
      }
    }),
  );
});
