/**
 * Model-based tests of the pool core with fast-check commands: acquire, tryAcquire (the
 * shell's no-waiting hot path), release (or
 * withdraw), send ok/fail, handshake error, host removed, clock advance (tick) and evict,
 * in random order against the model in pool-model.ts, on random limits.
 *
 * Each command also checks what the model can predict on its own: an acquire with nobody
 * waiting is granted at once when a socket has room or one can be opened or evicted; a
 * release of a draining socket's last lease closes it; the failure limit recycles; a
 * removed host loses its socket and its waiters; a tick closes exactly the idle sockets
 * whose timeout has passed; evict closes the least recently used idle socket.
 * After the commands, every holder releases (repeatedly, with the clock stopped): every
 * waiter must then be granted, none rejected (no peer starves), and after the idle timeout
 * the pool is empty (every acquired socket was released and closed).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PoolCore, type PoolEffect, type PoolLimits } from "../../src/internal.js";
import { lru, PoolModel } from "./pool-model.js";

type Cmd = fc.Command<PoolModel, PoolCore>;
const PEERS = ["p0", "p1", "p2", "p3", "p4", "p5"];

const closes = (fx: readonly PoolEffect[]) =>
  fx
    .filter((e) => e.type === "close")
    .map((e) => (e as { slot: number }).slot)
    .sort((a, b) => a - b);
const drains = (fx: readonly PoolEffect[]) =>
  fx.filter((e) => e.type === "drain").map((e) => (e as { slot: number }).slot);

function pick<T>(items: readonly T[], k: number): T | undefined {
  return items.length === 0 ? undefined : items[k % items.length];
}

class Acquire implements Cmd {
  constructor(
    readonly peer: string,
    readonly ttlMs: number,
  ) {}
  check = () => true;
  run(m: PoolModel, core: PoolCore): void {
    const cur = m.current.get(this.peer);
    const curSlot = cur === undefined ? undefined : m.slots.get(cur)!;
    const immediate =
      m.waiting.size === 0 &&
      (curSlot
        ? curSlot.leases.size < m.limits.maxInFlightPerPeer
        : m.slots.size < m.limits.maxSockets || m.idleSlots().length > 0);
    const { ticket, effects } = core.acquire(this.peer, m.nowMs + this.ttlMs, m.nowMs);
    m.waiting.set(ticket, { peer: this.peer, deadlineMs: m.nowMs + this.ttlMs });
    m.apply(effects, { exhausted: true });
    if (immediate)
      assert.ok(m.held.has(ticket), `acquire for ${this.peer} not granted at once although a socket was available`);
    if (curSlot && immediate) assert.equal(m.held.get(ticket), curSlot.id, "not reused");
    m.check(core);
  }
  toString = () => `acquire(${this.peer}, ${this.ttlMs})`;
}

/** The shell's hot path: granted exactly when a plain acquire would be granted on the current socket at once, booked the same way. */
class TryAcquire implements Cmd {
  constructor(readonly peer: string) {}
  check = () => true;
  run(m: PoolModel, core: PoolCore): void {
    const cur = m.current.get(this.peer);
    const curSlot = cur === undefined ? undefined : m.slots.get(cur)!;
    const predicted =
      m.waiting.size === 0 && curSlot !== undefined && curSlot.leases.size < m.limits.maxInFlightPerPeer;
    const before = core.counters();
    const got = core.tryAcquire(this.peer, m.nowMs);
    assert.equal(
      got !== undefined,
      predicted,
      `tryAcquire(${this.peer}) ${got ? "granted" : "refused"}, predicted ${predicted ? "a grant" : "a refusal"}`,
    );
    if (got === undefined) {
      assert.deepEqual(core.counters(), before, "a refused tryAcquire changed the pool");
    } else {
      assert.equal(got.slot, curSlot!.id, "tryAcquire granted on a socket other than the peer's current one");
      // Booked as the grant of a waiter would be.
      m.waiting.set(got.ticket, { peer: this.peer, deadlineMs: m.nowMs });
      m.apply([{ type: "grant", ticket: got.ticket, slot: got.slot, peer: this.peer }]);
    }
    m.check(core);
  }
  toString = () => `tryAcquire(${this.peer})`;
}

class Release implements Cmd {
  constructor(readonly k: number) {}
  check = (m: Readonly<PoolModel>) => m.held.size + m.waiting.size > 0;
  run(m: PoolModel, core: PoolCore): void {
    const ticket = pick(
      [...m.held.keys(), ...m.waiting.keys()].sort((a, b) => a - b),
      this.k,
    )!;
    const slotId = m.held.get(ticket);
    const s = slotId === undefined ? undefined : m.slots.get(slotId)!;
    const blockedBefore = [...m.waiting.values()].some((w) => w.peer !== s?.peer && !m.current.has(w.peer));
    const fx = core.release(ticket, slotId, m.nowMs);
    if (s) {
      m.held.delete(ticket);
      s.leases.delete(ticket);
      if (!s.draining) s.lastUsedMs = m.nowMs;
    } else m.waiting.delete(ticket);
    m.apply(fx);
    if (s?.draining && s.leases.size === 0)
      assert.ok(closes(fx).includes(s.id), "a draining socket stays open after its last release");
    const closedNow = fx.find((e) => e.type === "close" && e.slot === s?.id);
    if (s && !s.draining && closedNow)
      assert.ok(
        closedNow.type === "close" && closedNow.reason === "evicted" && blockedBefore,
        "release closed a socket that takes leases, and nobody needed its room",
      );
    m.check(core);
  }
  toString = () => `release(#${this.k})`;
}

class Send implements Cmd {
  constructor(
    readonly k: number,
    readonly ok: boolean,
  ) {}
  check = (m: Readonly<PoolModel>) => m.held.size > 0;
  run(m: PoolModel, core: PoolCore): void {
    const ticket = pick(
      [...m.held.keys()].sort((a, b) => a - b),
      this.k,
    )!;
    const slotId = m.held.get(ticket)!;
    assert.ok(!m.closedSlots.has(slotId), "a held lease points at a closed socket");
    failure(m, core, slotId, this.ok, (now) => core.sendResult(slotId, this.ok, now));
  }
  toString = () => `send(#${this.k}, ${this.ok ? "ok" : "fail"})`;
}

class HandshakeError implements Cmd {
  constructor(readonly k: number) {}
  check = (m: Readonly<PoolModel>) => m.slots.size > 0;
  run(m: PoolModel, core: PoolCore): void {
    const slotId = pick(
      [...m.slots.keys()].sort((a, b) => a - b),
      this.k,
    )!;
    failure(m, core, slotId, false, (now) => core.handshakeFailed(slotId, now));
  }
  toString = () => `handshakeError(#${this.k})`;
}

function failure(m: PoolModel, core: PoolCore, slotId: number, ok: boolean, act: (now: number) => PoolEffect[]): void {
  const s = m.slots.get(slotId)!;
  s.failures = ok ? 0 : s.failures + 1;
  const recycle = !ok && !s.draining && s.failures >= m.limits.recycleAfterFailures;
  const wasIdle = s.leases.size === 0;
  const fx = act(m.nowMs);
  m.apply(fx);
  if (recycle)
    assert.ok(
      wasIdle ? closes(fx).includes(slotId) : drains(fx).includes(slotId),
      `socket ${slotId} not recycled after ${s.failures} failures`,
    );
  else assert.ok(!closes(fx).includes(slotId) && !drains(fx).includes(slotId), "recycled before the failure limit");
  m.check(core);
}

class HostRemoved implements Cmd {
  constructor(readonly peer: string) {}
  check = () => true;
  run(m: PoolModel, core: PoolCore): void {
    const cur = m.current.get(this.peer);
    const fx = core.hostRemoved(this.peer, m.nowMs);
    m.apply(fx, { hostRemoved: this.peer });
    for (const w of m.waiting.values()) assert.notEqual(w.peer, this.peer, "a waiter for a removed host still waits");
    if (cur !== undefined)
      assert.ok(closes(fx).includes(cur) || drains(fx).includes(cur), "the removed host's socket still takes leases");
    m.check(core);
  }
  toString = () => `hostRemoved(${this.peer})`;
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: PoolModel, core: PoolCore): void {
    m.nowMs += this.ms;
    const due = m
      .idleSlots()
      .filter((s) => m.nowMs >= s.lastUsedMs + m.limits.idleTimeoutMs)
      .map((s) => s.id);
    const fx = core.tick(m.nowMs);
    m.apply(fx);
    const idleClosed = fx
      .filter((e) => e.type === "close" && e.reason === "idle")
      .map((e) => (e as { slot: number }).slot)
      .sort((a, b) => a - b);
    assert.deepEqual(
      idleClosed,
      due.sort((a, b) => a - b),
      "tick must close exactly the idle sockets whose timeout has passed",
    );
    m.check(core);
  }
  toString = () => `advance(${this.ms})`;
}

class Evict implements Cmd {
  check = () => true;
  run(m: PoolModel, core: PoolCore): void {
    const victim = lru(m.idleSlots());
    const fx = core.evictIdle(m.nowMs);
    m.apply(fx);
    const evicted = fx
      .filter((e) => e.type === "close" && e.reason === "evicted")
      .map((e) => (e as { slot: number }).slot);
    assert.deepEqual(
      evicted.slice(0, 1),
      victim ? [victim.id] : [],
      "evict closes the least recently used idle socket",
    );
    m.check(core);
  }
  toString = () => "evict()";
}

const limitsArb: fc.Arbitrary<PoolLimits> = fc.record({
  maxSockets: fc.integer({ min: 1, max: 4 }),
  idleTimeoutMs: fc.integer({ min: 0, max: 30 }),
  recycleAfterFailures: fc.integer({ min: 1, max: 3 }),
  maxInFlightPerPeer: fc.integer({ min: 1, max: 3 }),
  maxWaiters: fc.integer({ min: 0, max: 6 }),
});

const commandsArb = fc.commands<PoolModel, PoolCore>(
  [
    fc.tuple(fc.constantFrom(...PEERS), fc.integer({ min: 0, max: 60 })).map(([p, t]) => new Acquire(p, t)),
    fc.tuple(fc.constantFrom(...PEERS), fc.integer({ min: 0, max: 60 })).map(([p, t]) => new Acquire(p, t)),
    fc.constantFrom(...PEERS).map((p) => new TryAcquire(p)),
    fc.nat(20).map((k) => new Release(k)),
    fc.tuple(fc.nat(20), fc.boolean()).map(([k, ok]) => new Send(k, ok)),
    fc.nat(20).map((k) => new HandshakeError(k)),
    fc.constantFrom(...PEERS).map((p) => new HostRemoved(p)),
    fc.integer({ min: 0, max: 25 }).map((ms) => new Advance(ms)),
    fc.constant(new Evict()),
  ],
  { maxCommands: 80, size: "max" },
);

/** Everyone releases what they hold, again and again, with the clock stopped. */
function releaseEverything(m: PoolModel, core: PoolCore): void {
  const waitingBefore = [...m.waiting.keys()];
  for (let round = 0; m.held.size > 0; round++) {
    assert.ok(round < 1000, "holders keep releasing but the pool makes no progress");
    for (const ticket of [...m.held.keys()]) {
      const s = m.slots.get(m.held.get(ticket)!)!;
      m.held.delete(ticket);
      s.leases.delete(ticket);
      if (!s.draining) s.lastUsedMs = m.nowMs;
      m.apply(core.release(ticket, s.id, m.nowMs), { timeout: false });
      m.check(core);
    }
  }
  for (const t of waitingBefore)
    assert.ok(m.granted.includes(t), `waiter ${t} starved: never granted although every holder released`);
  assert.equal(m.waiting.size, 0);
}

test("pool core model - cap never exceeded, closed sockets never granted, idle recycled at its timeout and not before, no starvation, all sockets closed in the end", () => {
  fc.assert(
    fc.property(limitsArb, commandsArb, (limits, cmds) => {
      const core = new PoolCore(limits);
      const model = new PoolModel(limits);
      fc.modelRun(() => ({ model, real: core }), cmds);
      releaseEverything(model, core);
      model.nowMs += limits.idleTimeoutMs;
      model.apply(core.tick(model.nowMs));
      model.check(core);
      assert.equal(
        core.counters().open,
        0,
        "sockets left open after every lease was released and the idle timeout passed",
      );
      assert.equal(core.nextWakeMs(), undefined);
    }),
    { numRuns: 300 },
  );
});

test("pool core model - shutdown closes every socket, rejects every waiter and refuses later acquires", () => {
  fc.assert(
    fc.property(limitsArb, commandsArb, (limits, cmds) => {
      const core = new PoolCore(limits);
      const model = new PoolModel(limits);
      fc.modelRun(() => ({ model, real: core }), cmds);
      const waiting = [...model.waiting.keys()];
      model.apply(core.shutdown(), { shutdown: true });
      model.check(core);
      for (const t of waiting) assert.ok(model.rejected.some((r) => r.ticket === t && r.reason === "shutdown"));
      assert.equal(model.slots.size, 0);
      assert.deepEqual([core.counters().open, core.counters().leases, core.counters().waiting], [0, 0, 0]);
      const late = core.acquire("p0", model.nowMs + 10, model.nowMs);
      assert.deepEqual(late.effects, [{ type: "reject", ticket: late.ticket, peer: "p0", reason: "shutdown" }]);
    }),
    { numRuns: 100 },
  );
});
