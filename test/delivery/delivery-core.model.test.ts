/**
 * Model-based tests of the delivery core with fast-check commands: requests of every kind
 * (hosts at hand or not, random timeouts and retry), lookup answers and failures, watch
 * notifications, send outcomes of every failure class, waits for sockets, replies (to
 * calls, casts, settled and unknown ids), ack inputs, time passing with the
 * timer fired on time, and close, in random order against the model in delivery-model.ts.
 *
 * Besides the model's per-effect and per-input checks, each command checks what it can
 * predict: a cast accepted settles ok at once, a call accepted does not; "exhausted"
 * settles at once with that error; the (retry + 1)-th failed send settles with "failed
 * after n attempt(s)" and no earlier one does; after a failed send the request pauses
 * exactly when every host of its list failed this round; a reply settles exactly a
 * pending call; acks change nothing (acks off). At the end, with the timer firing on
 * time until the last deadline, every request has settled exactly once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  DeliveryCore,
  MatchmakerUnavailable,
  MessageDeliveryFailure,
  TransportClosed,
  type RequestKind,
  type SendFailure,
} from "../../src/internal.js";
import { DeliveryModel, Recorder } from "./delivery-model.js";

type Cmd = fc.Command<DeliveryModel, DeliveryCore<null>>;
const KEYS = ["k0", "k1", "k2"];
const HOSTS = ["h0", "h1", "h2", "h3"];

function pick<T>(items: readonly T[], k: number): T | undefined {
  return items.length === 0 ? undefined : items[k % items.length];
}

class Send implements Cmd {
  constructor(
    readonly kind: RequestKind,
    readonly key: string,
    readonly timeoutMs: number,
    readonly retry: number | null,
    readonly atHand: boolean,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const id = `r${m.nextId++}`;
    const reg = m.registry.get(this.key) ?? [];
    const hosts = this.atHand && reg.length > 0 ? reg : undefined;
    const deadlineMs = m.nowMs + this.timeoutMs;
    if (!m.closed)
      m.requests.set(id, {
        id,
        kind: this.kind,
        key: this.key,
        deadlineMs,
        retry: this.retry,
        settled: false,
        released: false,
        offered: undefined,
        snapshot: undefined,
        sending: new Set(),
        accepted: new Set(),
        givenUp: new Set(),
        failures: 0,
        failedRound: new Set(),
        stopped: false,
        notBeforeMs: 0,
        hostNotBefore: new Map(),
        lastCause: undefined,
        waitingForSocket: undefined,
      });
    const r = m.requests.get(id);
    if (r && hosts && this.timeoutMs > 0) {
      if (this.kind === "fanout") r.snapshot = hosts;
      else r.offered = hosts;
    }
    m.rec.handles.set(id, core.send(id, this.kind, this.key, deadlineMs, this.retry, null, m.nowMs, hosts));
    const fx = m.apply();
    const sends = fx.filter((e) => e.type === "send").map((e) => (e as { host: string }).host);
    if (m.closed) {
      assert.deepEqual(
        fx.map((e) => e.type),
        ["release", "settle"],
        "a request after close is refused at once",
      );
      assert.ok(fx[1]?.type === "settle" && fx[1].value instanceof TransportClosed);
    } else if (this.timeoutMs === 0) assert.ok(r!.settled && sends.length === 0, "an expired request is sent");
    else if (hosts && this.kind === "fanout")
      assert.deepEqual(sends, [...hosts], "a fanout sends to every host at once");
    else if (hosts) assert.equal(sends.length, 1, "a request with hosts at hand is sent at once");
    else assert.equal(sends.length, 0);
    m.check();
  }
  toString = () =>
    `send(${this.kind}, ${this.key}, ${this.timeoutMs}, retry ${this.retry}${this.atHand ? ", at hand" : ""})`;
}

class Answer implements Cmd {
  constructor(readonly key: string) {}
  check = (m: Readonly<DeliveryModel>) => m.lookups.has(this.key);
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    m.lookups.delete(this.key);
    const hosts = m.registry.get(this.key) ?? [];
    const waiting = m.pending().filter((r) => r.key === this.key && m.needsHosts(r));
    if (hosts.length > 0)
      for (const r of waiting) {
        if (r.kind === "fanout") r.snapshot = hosts;
        else r.offered = hosts;
      }
    if (hosts.length === 0) m.emptyAtMs.set(this.key, m.nowMs);
    core.hostsKnown(this.key, hosts, m.nowMs);
    const fx = m.apply();
    const sent = new Set(fx.filter((e) => e.type === "send").map((e) => (e as { id: string }).id));
    if (hosts.length > 0)
      for (const r of waiting)
        assert.ok(sent.has(r.id) || r.settled, `${r.id} still waits after its key's hosts were found`);
    else assert.equal(sent.size, 0);
    m.check();
  }
  toString = () => `answer(${this.key})`;
}

class FailLookup implements Cmd {
  constructor(readonly key: string) {}
  check = (m: Readonly<DeliveryModel>) => m.lookups.has(this.key);
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    m.lookups.delete(this.key);
    const cause = new MatchmakerUnavailable("down");
    for (const r of m.pending()) if (r.key === this.key && m.needsHosts(r)) r.lastCause = cause;
    m.emptyAtMs.set(this.key, m.nowMs);
    core.lookupFailed(this.key, cause, m.nowMs);
    m.apply();
    m.check();
  }
  toString = () => `failLookup(${this.key})`;
}

class SetHosts implements Cmd {
  constructor(
    readonly key: string,
    readonly hosts: readonly string[],
    readonly notify: boolean,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    m.registry.set(this.key, Object.freeze([...this.hosts]));
    if (!this.notify) return;
    core.keyChanged(this.key, m.nowMs);
    m.apply();
    m.check();
  }
  toString = () => `setHosts(${this.key}, [${this.hosts.join(",")}]${this.notify ? ", notify" : ""})`;
}

class Outcome implements Cmd {
  constructor(
    readonly k: number,
    readonly result: "accepted" | SendFailure,
  ) {}
  check = (m: Readonly<DeliveryModel>) => outstanding(m).length > 0;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const all = outstanding(m);
    const s = pick(all, this.k);
    if (s === undefined) return;
    const r = m.requests.get(s.id)!;
    r.sending.delete(s.host);
    r.waitingForSocket = undefined;
    const handle = m.rec.handles.get(s.id)!;
    const live = !r.settled;
    if (this.result === "accepted") {
      if (live) r.accepted.add(s.host);
      core.sendAccepted(handle, s.host, m.nowMs);
      const fx = m.apply();
      if (live && r.kind === "cast")
        assert.ok(r.settled && r.outcome?.ok, "an accepted cast does not settle ok at once");
      if (live && r.kind === "call") assert.ok(!r.settled, "an accepted call settled without its reply");
      if (!live) assert.equal(fx.length, 0, "the outcome of a settled request's send had effects");
      m.check();
      return;
    }
    const error = new Error(`${this.result} on ${s.host}`);
    const retryable = r.kind !== "fanout" && this.result !== "exhausted" && this.result !== "socket-timeout";
    const bound = retryable && r.retry !== null && r.failures + 1 > r.retry;
    let allFailed = false;
    if (live) {
      r.lastCause = error;
      if (r.kind === "fanout") {
        if (this.result === "send-error") r.hostNotBefore.set(s.host, Math.min(m.nowMs + m.intervalMs, r.deadlineMs));
        else r.givenUp.add(s.host);
      } else if (this.result === "socket-timeout") r.stopped = true;
      else if (retryable) {
        r.failures++;
        r.failedRound.add(s.host);
        allFailed = r.offered!.every((h) => r.failedRound.has(h));
      }
    }
    if (live && r.kind !== "fanout") r.mayFail = this.result === "exhausted" || bound;
    core.sendFailed(handle, s.host, this.result, error, m.nowMs);
    const fx = m.apply();
    r.mayFail = false;
    if (!live) return void assert.equal(fx.length, 0, "the outcome of a settled request's send had effects");
    if (r.kind !== "fanout") {
      if (this.result === "exhausted") assert.equal(r.outcome?.value, error, "exhausted does not settle at once");
      else if (bound) {
        const e = r.outcome?.value;
        assert.ok(e instanceof MessageDeliveryFailure, "the failed send past retry does not settle the request");
        assert.equal(e.message, `send to ${s.host} failed after ${r.failures} attempt(s)`);
        assert.equal(e.cause, error);
      } else {
        assert.ok(!r.settled, "a failed send within retry settled the request");
        if (retryable) {
          const paused = core.request(r.id)?.state === "paused";
          assert.equal(
            paused,
            allFailed,
            "paused although a host of the list had not failed, or not paused after all did",
          );
          if (allFailed) {
            r.failedRound.clear();
            r.notBeforeMs = Math.min(m.nowMs + m.intervalMs, r.deadlineMs);
          }
        }
      }
    }
    m.check();
  }
  toString = () => `outcome(#${this.k}, ${this.result})`;
}

/** Sends reported by effects whose outcome the shell has not reported yet (settled requests' too). */
function outstanding(m: Readonly<DeliveryModel>): { id: string; host: string }[] {
  const out: { id: string; host: string }[] = [];
  for (const r of m.requests.values()) for (const host of r.sending) out.push({ id: r.id, host });
  return out;
}

class SocketWait implements Cmd {
  constructor(
    readonly k: number,
    readonly waiting: boolean,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const s = pick(outstanding(m), this.k);
    if (s === undefined) return;
    const r = m.requests.get(s.id)!;
    if (!r.settled) r.waitingForSocket = this.waiting ? s.host : undefined;
    core.socketWait(m.rec.handles.get(s.id)!, this.waiting ? s.host : undefined, m.nowMs);
    assert.equal(m.apply().length, 0);
    m.check();
  }
  toString = () => `socketWait(#${this.k}, ${this.waiting})`;
}

class Reply implements Cmd {
  constructor(
    readonly k: number,
    readonly ok: boolean,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const ids = [...m.requests.keys(), "unknown"];
    const id = pick(ids, this.k)!;
    const r = m.requests.get(id);
    const settles = r !== undefined && !r.settled && r.kind === "call";
    const value = this.ok ? { body: id } : new Error(`remote failure of ${id}`);
    if (settles) r.reply = { ok: this.ok, value };
    const stale = core.stats.staleReplies;
    core.replyReceived(id, this.ok, value, m.nowMs);
    const fx = m.apply();
    if (settles) assert.ok(r.settled && r.outcome?.value === value, "a reply did not settle its pending call");
    else {
      assert.equal(fx.length, 0, "a stale reply had effects");
      assert.equal(core.stats.staleReplies, stale + 1, "a stale reply was not counted");
    }
    m.check();
  }
  toString = () => `reply(#${this.k}, ${this.ok ? "ok" : "failure"})`;
}

/** With acks off an ACK changes nothing. (A host going down is modelled with acks: it moves or fails requests.) */
class Quiet implements Cmd {
  constructor(
    readonly what: "ack",
    readonly k: number,
  ) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    core.ackReceived(pick([...m.requests.keys(), "unknown"], this.k)!, pick(HOSTS, this.k)!, m.nowMs);
    assert.equal(m.apply().length, 0, `${this.what} had effects`);
    m.check();
  }
  toString = () => `${this.what}(#${this.k})`;
}

/** Time passes; the shell's timer fires at each wake-up the core asks for, on time. */
class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    advanceTo(m, core, m.nowMs + this.ms);
  }
  toString = () => `advance(${this.ms})`;
}

function advanceTo(m: DeliveryModel, core: DeliveryCore<null>, targetMs: number): void {
  for (let next = core.nextWakeMs(); next !== undefined && next <= targetMs; next = core.nextWakeMs()) {
    m.nowMs = next;
    core.timerFired(m.nowMs);
    m.apply();
    m.check();
  }
  m.nowMs = targetMs;
  m.check();
}

class Close implements Cmd {
  check = (m: Readonly<DeliveryModel>) => !m.closed;
  run(m: DeliveryModel, core: DeliveryCore<null>): void {
    const pending = m.pending();
    m.closed = true;
    core.close();
    m.apply();
    for (const r of pending) assert.ok(r.settled && r.outcome?.value instanceof TransportClosed);
    assert.equal(core.nextWakeMs(), undefined, "a closed core asks for a wake-up");
    m.check();
  }
  toString = () => "close()";
}

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
  )
  .map(([kind, key, t, retry, atHand]) => new Send(kind, key, t, retry, atHand));
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
  fc.nat(30).map((k) => new Quiet("ack", k)),
  fc.integer({ min: 0, max: 80 }).map((ms) => new Advance(ms)),
];
const commandsArb = fc.commands<DeliveryModel, DeliveryCore<null>>(commandArbs, { maxCommands: 150, size: "max" });
const withCloseArb = fc.commands<DeliveryModel, DeliveryCore<null>>([...commandArbs, fc.constant(new Close())], {
  maxCommands: 150,
  size: "max",
});

/** The hosts each key has at the start (non-empty mostly, so that requests get sent). */
const registryArb = fc.tuple(...KEYS.map(() => fc.subarray(HOSTS, { minLength: 0, maxLength: HOSTS.length })));

function setup(intervalMs: number, registry: string[][] = []): { model: DeliveryModel; real: DeliveryCore<null> } {
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
  const core = new DeliveryCore<null>(rec, { hostWaitIntervalMs: intervalMs, socketTimeoutCause: socketCause });
  const model = new DeliveryModel(core, rec, intervalMs, socketCause);
  registry.forEach((hosts, i) => {
    model.registry.set(KEYS[i]!, Object.freeze(hosts));
  });
  return { model, real: core };
}

test("delivery core model - every request settles exactly once, by its deadline at the latest, never after close; ok only after an accepted send (cast), with its own reply (call), or from every host (fanout); retry bounds failed sends; resends only after failed sends, pauses only when every host failed this round; nextWakeMs never in the past while something is pending", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 120 }), registryArb, commandsArb, (intervalMs, registry, cmds) => {
      const s = setup(intervalMs, registry);
      fc.modelRun(() => s, cmds);
      const m = s.model;
      const last = Math.max(m.nowMs, ...m.pending().map((r) => r.deadlineMs));
      advanceTo(m, s.real, last);
      for (const r of m.requests.values()) assert.ok(r.settled, `${r.id} never settled`);
      assert.equal(s.real.pendingCount, 0);
      assert.equal(s.real.nextWakeMs(), undefined);
    }),
    { numRuns: 1000 },
  );
});

test("delivery core model - close settles every pending request with TransportClosed; after it nothing is sent, looked up or settled again, and new requests are refused at once", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 120 }),
      registryArb,
      commandsArb,
      withCloseArb,
      (intervalMs, registry, before, after) => {
        const s = setup(intervalMs, registry);
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
