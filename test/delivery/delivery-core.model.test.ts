/**
 * Model-based tests of the delivery core with fast-check commands
 * (delivery-model-commands.ts, delivery-model-reports.ts) against the model in
 * delivery-model.ts: requests of every kind and failover class (hosts at hand or not,
 * random timeouts and retry), lookup answers and failures, watch notifications, send
 * outcomes of every failure class (of resends too), waits for sockets, replies (to calls,
 * casts, settled and unknown ids), ACKs (from the host a request waits on, from a host it
 * left or was never sent to, for unknown ids), hosts reported down (disconnected,
 * removed) and back up (a handshake), time passing with the timer fired on time (through
 * pauses, polls, ACK timeouts and cool-downs), and close, in random order; acknowledged
 * delivery off, or on with a small random ackTimeoutMs and ackResendsPerHost; each host's
 * circuit breaker counting hard failures only (failureThreshold 0, the core's default),
 * with a short random cool-down or the default one.
 *
 * Besides the model's rules (listed in delivery-model.ts and delivery-model-health.ts),
 * each command checks what it can predict: a cast accepted settles ok at once with acks
 * off and never with acks on; a call accepted does not; "exhausted" settles at once with
 * that error; the (retry + 1)-th failed send settles with "failed after n attempt(s)" and
 * no earlier one does; after a failed send the request pauses exactly when every host of
 * its list failed this round (or is believed dead by it); a failed resend has no effect
 * (the request waits for the lost copy's ACK); a request with hosts at hand is sent or
 * refused at once; a reply settles exactly a pending call; an ACK from the host a request
 * waits on is counted and settles a cast, any other is stale and changes nothing; a host
 * reported down settles every call or cast waiting on it that may not move, at once, acks
 * on or off; acks off, ACKs change nothing; hostUp has no effect. At the end, with the
 * timer firing on time until the last deadline, every request has settled exactly once.
 * Each property also counts the events it must go through over its runs and fails if one
 * never happened (SEEN_ALWAYS, SEEN_WITH_ACKS in delivery-model-request.ts): none holds
 * vacuously.
 *
 * A probe that leaves its host without an outcome (expired while its send was in flight,
 * its send failed with socket-timeout, host-removed or exhausted, or it settled otherwise)
 * reopens the host at that moment (PROBE_LEFT_REOPENS_AT_ONCE in delivery-model-health.ts
 * keeps the model's check of it; it found the core noticing it late, since fixed).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DeliveryCore, type RequestKind, type SendFailure } from "../../src/internal.js";
import type { AckOptions } from "../../src/core/ack-policy.js";
import type { BreakerOptions } from "../../src/core/host-health.js";
import type { Failover } from "../../src/core/delivery-request.js";
import { DeliveryModel, Recorder } from "./delivery-model.js";
import { SEEN_ALWAYS, SEEN_WITH_ACKS, type Seen } from "./delivery-model-request.js";
import {
  Advance,
  Answer,
  Close,
  FailLookup,
  HOSTS,
  KEYS,
  Reply,
  Send,
  SetHosts,
  SocketWait,
  advanceTo,
  type Cmd,
} from "./delivery-model-commands.js";
import { Ack, HostDown, HostUp, Outcome } from "./delivery-model-reports.js";

const outcomeArb = fc
  .tuple(
    fc.nat(30),
    fc.constantFrom<"accepted" | SendFailure>(
      "accepted",
      "accepted",
      "send-error",
      "send-error",
      "closed",
      "host-removed",
      "exhausted",
      "socket-timeout",
    ),
  )
  .map(([k, r]) => new Outcome(k, r));
const hostsArb = fc.subarray(HOSTS, { minLength: 0, maxLength: HOSTS.length });
const sendArb = fc
  .tuple(
    fc.constantFrom<RequestKind>("call", "cast", "fanout"),
    fc.constantFrom(...KEYS),
    fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 9 }),
    fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
    fc.boolean(),
    fc.constantFrom<Failover>("move", "not-idempotent", "one-server"),
  )
  .map(([kind, key, t, retry, atHand, failover]) => new Send(kind, key, t, retry, atHand, failover));
const ackArb = fc
  .tuple(
    fc.nat(30),
    fc.constantFrom<"accepted" | "in-flight" | "sent" | "any">(
      "accepted",
      "accepted",
      "accepted",
      "in-flight",
      "sent",
      "any",
    ),
  )
  .map(([k, which]) => new Ack(k, which));
const commandArbs: fc.Arbitrary<Cmd>[] = [
  sendArb,
  sendArb,
  sendArb,
  fc.constantFrom(...KEYS).map((k) => new Answer(k)),
  fc.constantFrom(...KEYS).map((k) => new Answer(k)),
  fc.constantFrom(...KEYS).map((k) => new FailLookup(k)),
  fc.tuple(fc.constantFrom(...KEYS), hostsArb, fc.boolean()).map(([k, h, n]) => new SetHosts(k, h, n)),
  outcomeArb,
  outcomeArb,
  outcomeArb,
  fc.tuple(fc.nat(30), fc.boolean()).map(([k, w]) => new SocketWait(k, w)),
  fc.tuple(fc.nat(30), fc.boolean()).map(([k, ok]) => new Reply(k, ok)),
  ackArb,
  ackArb,
  fc.tuple(fc.nat(30), fc.constant<"disconnected">("disconnected")).map(([k, why]) => new HostDown(k, why)),
  fc.nat(30).map((k) => new HostUp(k)),
  fc.integer({ min: 0, max: 80 }).map((ms) => new Advance(ms)),
];
const commandsArb = fc.commands<DeliveryModel, DeliveryCore<null>>(commandArbs, { maxCommands: 150, size: "max" });
const withCloseArb = fc.commands<DeliveryModel, DeliveryCore<null>>([...commandArbs, fc.constant(new Close())], {
  maxCommands: 150,
  size: "max",
});

/** The hosts each key has at the start (non-empty mostly, so that requests get sent). */
const registryArb = fc.tuple(...KEYS.map(() => fc.subarray(HOSTS, { minLength: 0, maxLength: HOSTS.length })));
/** Acknowledged delivery's options: waits short beside the deadlines (1..1000 ms), so that resends and deaths happen. */
const acksArb: fc.Arbitrary<AckOptions> = fc.record({
  ackTimeoutMs: fc.integer({ min: 1, max: 60 }),
  ackResendsPerHost: fc.constantFrom(0, 0, 1, 1, 2, 3),
});

/**
 * Each host's circuit breaker: hard failures only (failureThreshold 0, as the core's
 * default), a cool-down short beside the runs (1..200 ms, so that hosts are probed) and a
 * cap of 1, 2 or 8 times it; or, one run in five, the core's default (cool-down 1000 ms).
 */
const breakerArb: fc.Arbitrary<BreakerOptions | undefined> = fc.option(
  fc.tuple(fc.integer({ min: 1, max: 200 }), fc.constantFrom(1, 2, 8)).map(([coolDownMs, cap]) => ({
    failureThreshold: 0,
    windowMs: 10_000,
    coolDownMs,
    maxCoolDownMs: coolDownMs * cap,
  })),
  { nil: undefined, freq: 5 },
);
/** The cool-downs of a core built without a breaker (delivery-core.ts). */
const DEFAULT_COOL_DOWN = { coolDownMs: 1000, maxCoolDownMs: 30_000 };

interface Config {
  intervalMs: number;
  registry: string[][];
  acks: AckOptions | undefined;
  breaker: BreakerOptions | undefined;
}

function setup(c: Config, seen?: Map<Seen, number>): { model: DeliveryModel; real: DeliveryCore<null> } {
  const { intervalMs, registry, acks, breaker } = c;
  const rec = new Recorder();
  const causes = new Map<string, Error>();
  const socketCause = (host: string): Error => {
    let e = causes.get(host);
    if (e === undefined) {
      e = new Error(`no socket for ${host}`);
      causes.set(host, e);
    }
    return e;
  };
  const core = new DeliveryCore<null>(rec, {
    hostWaitIntervalMs: intervalMs,
    socketTimeoutCause: socketCause,
    acks,
    breaker,
  });
  const model = new DeliveryModel(core, rec, intervalMs, socketCause, acks, breaker ?? DEFAULT_COOL_DOWN, seen);
  registry.forEach((hosts, i) => {
    model.registry.set(KEYS[i]!, Object.freeze(hosts));
  });
  return { model, real: core };
}

/** Runs `cmds`, then lets time pass to the last deadline: every request has settled, exactly once. */
function runToEnd(c: Config, cmds: Iterable<Cmd>, seen: Map<Seen, number>): void {
  const s = setup(c, seen);
  fc.modelRun(() => s, cmds);
  const m = s.model;
  const last = Math.max(m.nowMs, ...m.pending().map((r) => r.deadlineMs));
  advanceTo(m, s.real, last);
  for (const r of m.requests.values()) assert.ok(r.settled, `${r.id} never settled`);
  assert.equal(s.real.pendingCount, 0);
  assert.equal(s.real.nextWakeMs(), undefined);
}

/** Not vacuous: the runs of a property went through every event in `events`. */
function assertSeen(events: readonly Seen[], seen: Map<Seen, number>): void {
  assert.deepEqual(
    events.filter((e) => !seen.has(e)),
    [],
    `events never seen in ${JSON.stringify(Object.fromEntries(seen))}`,
  );
}

const configArb = (acks: fc.Arbitrary<AckOptions | undefined>): fc.Arbitrary<Config> =>
  fc.record({ intervalMs: fc.integer({ min: 1, max: 120 }), registry: registryArb, acks, breaker: breakerArb });

test("delivery core model, acks off - every request settles exactly once, by its deadline at the latest, never after close; ok only after an accepted send (cast), with its own reply (call), or from every host (fanout); retry bounds failed sends; resends only after failed sends, pauses only when every host failed this round; a host reported down moves a 'move' call waiting on it for its reply and settles any other at once, naming the host; never picked to a host open in its breaker before its cool-down ends or while its one probe is out, and refused at once (circuit open, retryable, nothing sent) only when every candidate is open and none is known to be past its cool-down; nextWakeMs never in the past while something is pending; ACKs change nothing", () => {
  const seen = new Map<Seen, number>();
  fc.assert(
    fc.property(configArb(fc.constant(undefined)), commandsArb, (c, cmds) => runToEnd(c, cmds, seen)),
    { numRuns: 500 },
  );
  assertSeen(SEEN_ALWAYS, seen);
});

test("delivery core model, acks on - never twice on two servers (a request that may not move never goes to a second host after one accepted it, failed resends included); a cast settles ok only on an ACK from the host of its send, a fanout only when every snapshot host ACKed; the n-th copy to a host waits exactly ackTimeoutMs × 2^(n-1) (or to the deadline), then a resend goes to the same host, at most ackResendsPerHost times, and a failed resend waits as a lost copy; retry bounds ACK timeouts, failed sends and moves; a host believed dead (reported down, or out of resends) is open in its breaker, moves a 'move' request elsewhere and never back while another is listed, and settles any other call or cast at once with MessageDeliveryFailure naming it; picks respect open hosts' cool-downs and single probes, and refuse only when every candidate is open; every request still settles exactly once, by its deadline", () => {
  const seen = new Map<Seen, number>();
  fc.assert(
    fc.property(configArb(acksArb), commandsArb, (c, cmds) => runToEnd(c, cmds, seen)),
    { numRuns: 700 },
  );
  assertSeen(SEEN_WITH_ACKS, seen);
});

test("delivery core model - close settles every pending request with TransportClosed; after it nothing is sent, looked up or settled again, and new requests are refused at once", () => {
  fc.assert(
    fc.property(
      configArb(fc.option(acksArb, { nil: undefined, freq: 2 })),
      commandsArb,
      withCloseArb,
      (c, before, after) => {
        const s = setup(c);
        fc.modelRun(() => s, before);
        new Close().run(s.model, s.real);
        fc.modelRun(() => s, after);
        advanceTo(s.model, s.real, s.model.nowMs + 1000);
        assert.equal(s.real.pendingCount, 0);
      },
    ),
    { numRuns: 200 },
  );
});
