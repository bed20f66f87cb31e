/**
 * Properties of the load tracker (spec/balancing.md, "Load tracker") over random request
 * histories, through a DeliveryCore built with "least-in-flight" or "latency", acks on or
 * off: sends at hand or after lookups, accepted and failed sends of every class, replies,
 * ACKs, hosts going down, time passing, close.
 * - after every input, each host's in-flight count equals the number of pending calls and
 *   casts whose host it is and that are `sending`, `awaiting-ack` or `awaiting-reply`
 *   (the exact meaning of "in flight"), and each such request counts on its own host;
 * - once every request has settled (by reply, failure, deadline or close) every count is
 *   back to zero;
 * - every host's average is a finite number >= 0 once it has a sample.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  createBalancing,
  DeliveryCore,
  type DeliveryRequest,
  type HostLoad,
  type SendFailure,
} from "../../src/internal.js";
import { Prng } from "../../sim/prng.js";
import { Recorder } from "../delivery/delivery-model.js";

const REGISTRY: Record<string, readonly string[]> = {
  k0: Object.freeze(["a", "b", "c"]),
  k1: Object.freeze(["b", "c", "d"]),
};
const COUNTED = new Set(["sending", "awaiting-ack", "awaiting-reply"]);
const FAILURES: readonly SendFailure[] = ["exhausted", "socket-timeout", "host-removed", "closed", "send-error"];

type Cmd =
  | {
      c: "send";
      kind: "call" | "cast" | "fanout";
      key: "k0" | "k1";
      timeoutMs: number;
      retry: number | null;
      atHand: boolean;
      move: boolean;
    }
  | { c: "accept"; i: number }
  | { c: "fail"; i: number; failure: SendFailure }
  | { c: "reply"; i: number; ok: boolean }
  | { c: "ack"; i: number }
  | { c: "answer"; i: number; empty: boolean }
  | { c: "down"; host: string; why: "disconnected" }
  | { c: "tick"; byMs: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    arbitrary: fc.record({
      c: fc.constant("send" as const),
      kind: fc.constantFrom("call" as const, "cast" as const, "fanout" as const),
      key: fc.constantFrom("k0" as const, "k1" as const),
      timeoutMs: fc.integer({ min: 20, max: 1000 }),
      retry: fc.option(fc.nat(2), { nil: null }),
      atHand: fc.boolean(),
      move: fc.boolean(),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ c: fc.constant("accept" as const), i: fc.nat() }), weight: 4 },
  {
    arbitrary: fc.record({ c: fc.constant("fail" as const), i: fc.nat(), failure: fc.constantFrom(...FAILURES) }),
    weight: 2,
  },
  { arbitrary: fc.record({ c: fc.constant("reply" as const), i: fc.nat(), ok: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ c: fc.constant("ack" as const), i: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ c: fc.constant("answer" as const), i: fc.nat(), empty: fc.boolean() }), weight: 2 },
  {
    arbitrary: fc.record({
      c: fc.constant("down" as const),
      host: fc.constantFrom("a", "b", "c", "d"),
      why: fc.constant("disconnected" as const),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ c: fc.constant("tick" as const), byMs: fc.integer({ min: 0, max: 60 }) }), weight: 3 },
);

/** In flight per host as the spec defines it, from the core's pending requests. */
function checkCounts(load: HostLoad, core: DeliveryCore<null>): void {
  const expected = new Map<string, number>();
  for (const r of core.pending()) {
    if (r.kind === "fanout" || !COUNTED.has(r.state)) {
      assert.equal(r.loadOn, undefined, `${r.kind} ${r.id} in ${r.state} counts on no host`);
      continue;
    }
    assert.equal(r.loadOn?.host, r.host, `${r.kind} ${r.id} in ${r.state} counts on its host ${r.host}`);
    expected.set(r.host!, (expected.get(r.host!) ?? 0) + 1);
  }
  for (const e of load.entries()) {
    assert.equal(e.inFlight, expected.get(e.host) ?? 0, `in flight on ${e.host}`);
    if (e.samples > 0) assert.ok(Number.isFinite(e.ewmaMs) && e.ewmaMs >= 0, `${e.host}'s average ${e.ewmaMs}`);
  }
}

function run(seed: number, strategy: "least-in-flight" | "latency", acks: boolean, cmds: Cmd[], close: boolean): void {
  const rec = new Recorder();
  const balancing = createBalancing(strategy, new Prng(seed));
  const load = balancing.load!;
  const core = new DeliveryCore<null>(rec, {
    hostWaitIntervalMs: 40,
    acks: acks ? { ackTimeoutMs: 30, ackResendsPerHost: 1 } : undefined,
    balancing,
  });
  let now = 0;
  let nextId = 0;
  let maxDeadline = 0;
  const sends: { r: DeliveryRequest<null>; host: string }[] = [];
  const lookups: string[] = [];
  const collect = (): void => {
    for (const e of rec.take()) {
      if (e.type === "send") sends.push({ r: rec.handles.get(e.id)!, host: e.host });
      else if (e.type === "lookup") lookups.push(e.key);
    }
  };
  const pendingOf = (i: number, kind?: "call"): DeliveryRequest<null> | undefined => {
    const list = [...core.pending()].filter((r) => kind === undefined || r.kind === kind);
    return list.length === 0 ? undefined : list[i % list.length];
  };
  for (const c of cmds) {
    switch (c.c) {
      case "send": {
        const id = String(nextId++);
        maxDeadline = Math.max(maxDeadline, now + c.timeoutMs);
        const hosts = c.atHand ? REGISTRY[c.key] : undefined;
        core.send(id, c.kind, c.key, now + c.timeoutMs, c.retry, null, now, hosts, c.move ? "move" : "not-idempotent");
        break;
      }
      case "accept":
      case "fail": {
        if (sends.length === 0) break;
        const [s] = sends.splice(c.i % sends.length, 1);
        if (c.c === "accept") core.sendAccepted(s!.r, s!.host, now);
        else core.sendFailed(s!.r, s!.host, c.failure, new Error(c.failure), now);
        break;
      }
      case "reply": {
        const r = pendingOf(c.i, "call");
        if (r !== undefined) core.replyReceived(r.id, c.ok, "v", now);
        break;
      }
      case "ack": {
        const r = pendingOf(c.i);
        if (r !== undefined && r.host !== undefined) core.ackReceived(r.id, r.host, now);
        break;
      }
      case "answer": {
        if (lookups.length === 0) break;
        const [key] = lookups.splice(c.i % lookups.length, 1);
        core.hostsKnown(key!, c.empty ? [] : REGISTRY[key!]!, now);
        break;
      }
      case "down":
        core.hostDown(c.host, c.why, now);
        break;
      case "tick":
        now += c.byMs;
        core.timerFired(now);
        break;
    }
    collect();
    checkCounts(load, core);
  }
  if (close) core.close();
  else core.timerFired(Math.max(now, maxDeadline) + 1);
  assert.equal(core.pendingCount, 0, "every request has settled");
  for (const e of load.entries()) assert.equal(e.inFlight, 0, `nothing left in flight on ${e.host}`);
}

test("host load property - in flight on a host is exactly the pending calls and casts sending to it or waiting for its ACK or reply, after every input; all back to zero once everything settled", () => {
  fc.assert(
    fc.property(
      fc.nat(),
      fc.constantFrom("least-in-flight" as const, "latency" as const),
      fc.boolean(),
      fc.array(cmd, { maxLength: 150, size: "max" }),
      fc.boolean(),
      (seed, strategy, acks, cmds, close) => run(seed, strategy, acks, cmds, close),
    ),
    { numRuns: 200 },
  );
});
