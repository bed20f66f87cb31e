/**
 * Properties of the Redis matchmaker's registration book
 * (src/matchmaker/redis/registration-book.ts). Registers and unregisters are issued in any
 * interleaving; their outcomes (accepted or failed) arrive later, in issue order as on one
 * Redis connection, interleaved with new operations:
 * - no resurrection: after an unregister, replay() never registers the pair again unless
 *   a register of it was issued after that unregister, whatever outcomes arrive later;
 * - completeness: replay() registers every pair whose latest operation is a register and
 *   that Redis accepted at least once since its latest unregister, with its latest TTL;
 * - an unregister is replayed until acknowledged, and a later register cancels it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RegistrationBook } from "../../src/internal.js";

type Op = { k: "reg"; pair: number; ttl: number | null } | { k: "unreg"; pair: number } | { k: "settle"; ok: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant("reg" as const),
    pair: fc.nat(3),
    ttl: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: null }),
  }),
  fc.record({ k: fc.constant("unreg" as const), pair: fc.nat(3) }),
  fc.record({ k: fc.constant("settle" as const), ok: fc.boolean() }),
);

const keyOf = (p: number): string => `ex/t${p % 2}`;
const hostOf = (p: number): string => `tcp://h${p}:1`;

interface PairModel {
  latest: "reg" | "unreg";
  ttl: number | null;
  /** A register was accepted since the latest unregister (or ever, if none). */
  accepted: boolean;
  /** The latest unregister has been acknowledged. */
  unregAcked: boolean;
  /** Sequence number of the latest operation, to tell which outcome belongs to the current intent. */
  seq: number;
  /** Sequence number of the latest unregister. */
  unregSeq: number;
}

test("redis registration book property - replay never resurrects an unregistered pair and restores every accepted one", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const book = new RegistrationBook();
      const model = new Map<number, PairModel>();
      const inflight: { kind: "reg" | "unreg"; pair: number; token: number; seq: number }[] = [];
      let seq = 0;
      for (const o of ops) {
        if (o.k === "reg") {
          seq++;
          const token = book.begin(keyOf(o.pair), hostOf(o.pair), o.ttl);
          const m = model.get(o.pair);
          const accepted = m?.latest === "reg" ? m.accepted : false;
          model.set(o.pair, { latest: "reg", ttl: o.ttl, accepted, unregAcked: true, seq, unregSeq: m?.unregSeq ?? 0 });
          inflight.push({ kind: "reg", pair: o.pair, token, seq });
        } else if (o.k === "unreg") {
          seq++;
          const token = book.remove(keyOf(o.pair), hostOf(o.pair));
          const m = model.get(o.pair);
          model.set(o.pair, {
            latest: "unreg",
            ttl: m?.ttl ?? null,
            accepted: false,
            unregAcked: false,
            seq,
            unregSeq: seq,
          });
          inflight.push({ kind: "unreg", pair: o.pair, token, seq });
        } else {
          const f = inflight.shift();
          if (!f) continue;
          const m = model.get(f.pair)!;
          if (f.kind === "reg") {
            if (o.ok) {
              book.succeeded(keyOf(f.pair), hostOf(f.pair), f.token);
              // Redis applied it; it counts for the current intent only if no unregister came after it.
              if (m.latest === "reg" && f.seq > m.unregSeq) m.accepted = true;
            } else {
              book.failed(keyOf(f.pair), hostOf(f.pair), f.token);
            }
          } else if (o.ok) {
            book.removed(keyOf(f.pair), hostOf(f.pair), f.token);
            if (m.latest === "unreg" && f.seq === m.unregSeq) m.unregAcked = true;
          }
        }
        const r = book.replay();
        const regs = new Map(r.register.map((e) => [`${e.key}|${e.host}`, e.ttlMs]));
        const unregs = new Set(r.unregister.map((e) => `${e.key}|${e.host}`));
        for (const [p, m] of model) {
          const id = `${keyOf(p)}|${hostOf(p)}`;
          if (m.latest === "unreg") {
            assert.ok(!regs.has(id), `pair ${p} was unregistered and must not be replayed as a register`);
            assert.equal(unregs.has(id), !m.unregAcked, `pair ${p}: unregister replayed iff not acknowledged`);
          } else {
            assert.ok(!unregs.has(id), `pair ${p}: a register cancels the pending unregister`);
            if (m.accepted) assert.equal(regs.get(id), m.ttl, `pair ${p} accepted: replayed with its latest TTL`);
            if (!regs.has(id)) assert.ok(!m.accepted, `pair ${p} replayed only when accepted`);
          }
        }
        assert.equal(
          regs.size,
          [...model.values()].filter((m) => m.latest === "reg" && m.accepted).length,
          "nothing else is replayed",
        );
      }
    }),
    { numRuns: 500 },
  );
});
