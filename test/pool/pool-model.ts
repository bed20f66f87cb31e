/**
 * A simple model of the socket pool for the model-based tests (pool-core.model.test.ts).
 *
 * The model does not re-implement the policy. It follows the effects the core emits,
 * checks that each one is legal in the model's own state (a grant names an open socket of
 * the right peer with room; a close never hits a socket with leases, except at shutdown;
 * an idle close only after idleTimeoutMs; a timeout only at or after the deadline; ...)
 * and, after every command, checks the pool-wide invariants:
 * - the cap: open sockets <= maxSockets;
 * - the core's counters agree with the model (open, idle, busy, draining, leases, waiting),
 *   and so does each socket's count of leases;
 * - work conservation: nobody waits while a socket could be granted or opened for them;
 * - progress: every peer waiting for room has a socket draining for it, or nothing is busy;
 * - wake-ups: nextWakeMs is the earliest idle expiry or waiter deadline;
 * - no waiter is left past its deadline.
 */
import assert from "node:assert/strict";
import type { PoolCore, PoolEffect, PoolLimits } from "../../src/internal.js";

export interface MSlot {
  id: number;
  peer: string;
  leases: Set<number>;
  lastUsedMs: number;
  draining: boolean;
  failures: number;
  grants: number;
}

export interface MWaiter {
  peer: string;
  deadlineMs: number;
}

/** Which rejections the command being run may cause. */
export type Allowed = { timeout?: boolean; exhausted?: boolean; hostRemoved?: string; shutdown?: boolean };

export class PoolModel {
  nowMs = 0;
  readonly slots = new Map<number, MSlot>();
  readonly current = new Map<string, number>();
  readonly held = new Map<number, number>();
  readonly waiting = new Map<number, MWaiter>();
  readonly closedSlots = new Set<number>();
  readonly granted: number[] = [];
  readonly rejected: { ticket: number; reason: string }[] = [];
  created = 0;
  closed = 0;
  reused = 0;
  readonly closedBy = new Map<string, number>();
  readonly rejectedBy = new Map<string, number>();
  shut = false;

  constructor(readonly limits: PoolLimits) {}

  idleSlots(): MSlot[] {
    return [...this.slots.values()].filter((s) => !s.draining && s.leases.size === 0);
  }

  /** Replays the core's effects onto the model, checking each one. */
  apply(fx: readonly PoolEffect[], allowed: Allowed = {}): void {
    for (const e of fx) {
      if (e.type === "open") {
        assert.ok(!this.closedSlots.has(e.slot) && !this.slots.has(e.slot), `slot ${e.slot} opened twice`);
        assert.ok(
          this.slots.size < this.limits.maxSockets,
          `open of slot ${e.slot} would exceed the cap ${this.limits.maxSockets}`,
        );
        assert.ok(!this.current.has(e.peer), `a second socket for ${e.peer} while one takes leases`);
        this.slots.set(e.slot, {
          id: e.slot,
          peer: e.peer,
          leases: new Set(),
          lastUsedMs: this.nowMs,
          draining: false,
          failures: 0,
          grants: 0,
        });
        this.current.set(e.peer, e.slot);
        this.created++;
      } else if (e.type === "grant") {
        const w = this.waiting.get(e.ticket);
        assert.ok(w, `grant of unknown ticket ${e.ticket}`);
        assert.ok(!this.closedSlots.has(e.slot), `grant on closed socket ${e.slot}`);
        const s = this.slots.get(e.slot);
        assert.ok(s, `grant on unknown socket ${e.slot}`);
        assert.ok(!s.draining, `grant on draining socket ${e.slot}`);
        assert.equal(s.peer, w.peer, "grant on another peer's socket");
        assert.ok(s.leases.size < this.limits.maxInFlightPerPeer, "grant beyond maxInFlightPerPeer");
        this.waiting.delete(e.ticket);
        this.held.set(e.ticket, e.slot);
        s.leases.add(e.ticket);
        s.lastUsedMs = this.nowMs;
        if (s.grants++ > 0) this.reused++;
        this.granted.push(e.ticket);
      } else if (e.type === "drain") {
        const s = this.slots.get(e.slot);
        assert.ok(s && !s.draining, `drain of socket ${e.slot} that is not open and taking leases`);
        assert.ok(s.leases.size > 0, "an idle socket is closed, not drained");
        if (e.reason === "preempted") {
          const busy = [...this.current.values()].map((id) => this.slots.get(id)!).filter((x) => x.leases.size > 0);
          assert.equal(e.slot, lru(busy)?.id, "drained socket is not the least recently used busy one");
        }
        s.draining = true;
        assert.equal(this.current.get(s.peer), s.id);
        this.current.delete(s.peer);
      } else if (e.type === "close") {
        const s = this.slots.get(e.slot);
        assert.ok(s, `close of socket ${e.slot} that is not open`);
        if (e.reason !== "shutdown")
          assert.equal(s.leases.size, 0, `socket ${e.slot} closed (${e.reason}) under a lease`);
        if (e.reason === "idle") {
          assert.ok(!s.draining, "idle close of a draining socket");
          assert.ok(
            this.nowMs >= s.lastUsedMs + this.limits.idleTimeoutMs,
            `socket ${e.slot} recycled ${s.lastUsedMs + this.limits.idleTimeoutMs - this.nowMs} ms before its idle timeout`,
          );
        }
        if (e.reason === "evicted") {
          assert.ok(!s.draining, "evicted socket was draining");
          assert.equal(e.slot, lru(this.idleSlots())?.id, "evicted socket is not the least recently used idle one");
          for (const w of this.waiting.values())
            assert.notEqual(w.peer, s.peer, `idle socket of ${s.peer} evicted while a request waits for it`);
        }
        if (e.reason === "preempted") assert.ok(s.draining, "preempted socket closed without draining first");
        if (e.reason === "shutdown") for (const t of s.leases) this.held.delete(t);
        this.slots.delete(e.slot);
        if (this.current.get(s.peer) === s.id) this.current.delete(s.peer);
        this.closedSlots.add(e.slot);
        this.closed++;
        this.closedBy.set(e.reason, (this.closedBy.get(e.reason) ?? 0) + 1);
      } else {
        const w = this.waiting.get(e.ticket);
        assert.ok(w, `reject of unknown ticket ${e.ticket}`);
        if (e.reason === "timeout") assert.ok(this.nowMs >= w.deadlineMs, "rejected before its deadline");
        else if (e.reason === "exhausted") assert.ok(allowed.exhausted, "exhausted outside acquire");
        else if (e.reason === "host-removed")
          assert.equal(allowed.hostRemoved, w.peer, "host-removed rejection of another peer");
        else assert.ok(allowed.shutdown, "shutdown rejection while open");
        if (e.reason === "timeout") assert.ok(allowed.timeout !== false, "timeout rejection not allowed here");
        this.waiting.delete(e.ticket);
        this.rejected.push({ ticket: e.ticket, reason: e.reason });
        this.rejectedBy.set(e.reason, (this.rejectedBy.get(e.reason) ?? 0) + 1);
      }
    }
  }

  /** Pool-wide invariants, checked after every command. */
  check(core: PoolCore): void {
    const max = this.limits.maxSockets;
    assert.ok(
      this.waiting.size <= this.limits.maxWaiters,
      `${this.waiting.size} waiters > maxWaiters ${this.limits.maxWaiters}`,
    );
    assert.ok(this.slots.size <= max, `open ${this.slots.size} > maxSockets ${max}`);
    const c = core.counters();
    const draining = [...this.slots.values()].filter((s) => s.draining);
    const idle = this.idleSlots();
    assert.deepEqual(
      {
        open: c.open,
        idle: c.idle,
        busy: c.busy,
        draining: c.draining,
        leases: c.leases,
        waiting: c.waiting,
        created: c.created,
        closed: c.closed,
      },
      {
        open: this.slots.size,
        idle: idle.length,
        busy: this.slots.size - idle.length - draining.length,
        draining: draining.length,
        leases: this.held.size,
        waiting: this.waiting.size,
        created: this.created,
        closed: this.closed,
      },
    );
    assert.ok(c.peakOpen <= max, "peakOpen exceeds the cap");
    // Each lease on the socket its grant named: the core's count per socket is the model's.
    for (const s of this.slots.values())
      assert.equal(core.slotLeases(s.id), s.leases.size, `socket ${s.id}: leases differ from the grants on it`);
    const by = (r: string) => this.closedBy.get(r) ?? 0;
    const rej = (r: string) => this.rejectedBy.get(r) ?? 0;
    assert.deepEqual(
      [
        c.reused,
        c.evicted,
        c.preempted,
        c.recycled,
        c.recycledIdle,
        c.recycledFailed,
        c.closedHostRemoved,
        c.closedShutdown,
        c.rejectedTimeout,
        c.rejectedExhausted,
        c.rejectedHostRemoved,
      ],
      [
        this.reused,
        by("evicted") + by("preempted"),
        by("preempted"),
        by("idle") + by("failed"),
        by("idle"),
        by("failed"),
        by("host-removed"),
        by("shutdown"),
        rej("timeout"),
        rej("exhausted"),
        rej("host-removed"),
      ],
      "counters: reused, evicted, preempted, recycled, recycledIdle, recycledFailed, closedHostRemoved, closedShutdown, rejectedTimeout, rejectedExhausted, rejectedHostRemoved",
    );
    assert.equal(c.created - c.closed, c.open);
    const blocked = new Set<string>();
    for (const w of this.waiting.values()) {
      assert.ok(w.deadlineMs > this.nowMs, "a waiter outlived its deadline");
      const cur = this.current.get(w.peer);
      if (cur !== undefined) {
        assert.ok(
          this.slots.get(cur)!.leases.size >= this.limits.maxInFlightPerPeer,
          `waiter for ${w.peer} waits although its socket has room`,
        );
      } else {
        assert.equal(this.slots.size, max, `waiter for ${w.peer} waits although the pool has room`);
        assert.equal(idle.length, 0, `waiter for ${w.peer} waits although an idle socket could be evicted`);
        blocked.add(w.peer);
      }
    }
    const busyCurrent = [...this.current.values()].filter((id) => this.slots.get(id)!.leases.size > 0).length;
    assert.ok(
      draining.length >= blocked.size || busyCurrent === 0,
      `${blocked.size} peers wait for room but only ${draining.length} sockets drain`,
    );
    let wake = Infinity;
    for (const s of idle) wake = Math.min(wake, s.lastUsedMs + this.limits.idleTimeoutMs);
    for (const w of this.waiting.values()) wake = Math.min(wake, w.deadlineMs);
    assert.equal(core.nextWakeMs(), Number.isFinite(wake) ? wake : undefined, "nextWakeMs");
  }
}

/** Least recently used socket (oldest last use, then lowest id). */
export function lru(slots: readonly MSlot[]): MSlot | undefined {
  return [...slots].sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.id - b.id)[0];
}
