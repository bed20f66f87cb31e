/**
 * Socket pool policy: pure and synchronous. It decides which socket a caller gets, when a
 * socket is created, reused, evicted, recycled or closed, and who waits; the shell
 * (socket-pool.ts) carries out the returned effects with the socket and clock ports.
 * Time comes in as `nowMs`; the core never reads a clock and never arms a timer, it only
 * says when it next wants to be woken (`nextWakeMs`).
 *
 * Rules (spec/pool.md):
 * - One socket per peer address takes new leases (the peer's "current" slot). A lease is
 *   one request's use of the socket; the caller returns it with `release`.
 * - At most `maxSockets` sockets are open, draining ones included.
 * - Acquires are served first-come first-served: each call to `settle` first grants every
 *   waiter whose peer has a current slot with room (< maxInFlightPerPeer leases), then,
 *   in arrival order, opens sockets for the others while there is room, closing the least
 *   recently used idle socket when the pool is full.
 * - When waiters still need room and no idle socket is left, the least recently used busy
 *   sockets are drained (no new leases; closed at their last release), one per waiting
 *   peer beyond the sockets already draining, so no peer waits forever.
 * - A waiter not served by its deadline is rejected ("timeout"); one that would make more
 *   than `maxWaiters` wait is rejected at once ("exhausted").
 * - An idle socket closes once `idleTimeoutMs` has passed since its last use, not before.
 * - `recycleAfterFailures` consecutive send failures or handshake errors recycle a socket (a
 *   final handshake error, after which the socket does not try again, at once); a host
 *   leaving the matchmaker closes its socket and rejects its waiters. A busy socket is
 *   drained in both cases, never closed under a lease.
 */
import { CLOSE_REASON, nextSlotState, type CloseReason, type SlotEvent, type SlotState } from "./slot-states.js";
import {
  CLOSE_COUNTERS,
  REJECT_COUNTER,
  zeroCounters,
  type AcquireResult,
  type PoolCounters,
  type PoolEffect,
  type RejectReason,
} from "./pool-types.js";
import { validateLimits, type PoolLimits } from "./pool-limits.js";

interface Slot {
  readonly id: number;
  readonly peer: string;
  state: SlotState;
  leases: number;
  lastUsedMs: number;
  failures: number;
  drainReason?: CloseReason;
}

interface Waiter {
  readonly ticket: number;
  readonly peer: string;
  readonly deadlineMs: number;
}

export class PoolCore {
  /** Open slots by id; ids grow, so iteration order is creation order. */
  private readonly slots = new Map<number, Slot>();
  /** Per peer, the open slot that takes new leases (idle or busy, never draining). */
  private readonly current = new Map<string, Slot>();
  /**
   * Leases held, over all slots. Each slot counts its own; there is no record per lease
   * (ticket -> slot): a client holding 100,000 calls paid about 36 bytes a call for that
   * Map (3.5 MiB of hash table, heap snapshot, issue 14). The shell names a lease's slot
   * when it returns it, and returns each lease once.
   */
  private leaseCount = 0;
  /** Waiting acquires in arrival order (a Map iterates in insertion order). */
  private readonly waiters = new Map<number, Waiter>();
  private nextSlotId = 1;
  private nextTicket = 1;
  private shut = false;
  private readonly c: PoolCounters;

  constructor(readonly limits: PoolLimits) {
    validateLimits(limits);
    this.c = zeroCounters(limits.maxSockets);
  }

  /** Asks for a lease on a socket to `peer`, wanted until `deadlineMs`. */
  acquire(peer: string, deadlineMs: number, nowMs: number): AcquireResult {
    const ticket = this.nextTicket++;
    const fx: PoolEffect[] = [];
    if (this.shut) {
      fx.push({ type: "reject", ticket, peer, reason: "shutdown" });
      return { ticket, effects: fx };
    }
    this.waiters.set(ticket, { ticket, peer, deadlineMs });
    this.grantWaiters(nowMs, fx);
    if (this.waiters.has(ticket) && this.waiters.size > this.limits.maxWaiters) this.reject(ticket, "exhausted", fx);
    this.expireWaiters(nowMs, fx);
    this.preempt(fx);
    return { ticket, effects: fx };
  }

  /**
   * The lease `acquire` would grant at once, taken without becoming a waiter: nobody waits
   * (a waiter would come first) and the peer's current slot has room. Nothing for the
   * shell to do follows from it (no socket opens or closes, no wake-up is added: a slot
   * leaving idle only removes one), so no effects are returned. Undefined, with nothing
   * changed, when the request must go through `acquire`.
   */
  tryAcquire(peer: string, nowMs: number): { ticket: number; slot: number } | undefined {
    if (this.shut || this.waiters.size > 0) return undefined;
    const slot = this.current.get(peer);
    if (slot === undefined || slot.leases >= this.limits.maxInFlightPerPeer) return undefined;
    const ticket = this.nextTicket++;
    this.lease(slot, nowMs, []); // an acquire adds no effect (see lease)
    return { ticket, slot: slot.id };
  }

  /**
   * Returns the lease `ticket` granted on slot `slotId`, or (slotId undefined) withdraws
   * the still-waiting acquire `ticket`; an unknown waiter is ignored. The caller returns
   * each lease once, naming the slot its grant named (the core counts leases per slot, it
   * keeps no record per lease); a lease whose slot has closed since (shutdown) is ignored.
   */
  release(ticket: number, slotId: number | undefined, nowMs: number): PoolEffect[] {
    const fx: PoolEffect[] = [];
    if (slotId === undefined) {
      if (this.waiters.delete(ticket)) this.settle(nowMs, fx);
      return fx;
    }
    const slot = this.slots.get(slotId);
    if (!slot || slot.leases === 0) return fx;
    this.leaseCount--;
    slot.leases--;
    if (slot.state !== "draining") slot.lastUsedMs = nowMs;
    this.fire(slot, slot.leases === 0 ? "releaseLast" : "release", fx);
    this.settle(nowMs, fx);
    return fx;
  }

  /** Outcome of one send on `slot`; failures count towards recycling. */
  sendResult(slotId: number, ok: boolean, nowMs: number): PoolEffect[] {
    const fx: PoolEffect[] = [];
    const slot = this.slots.get(slotId);
    if (!slot) return fx;
    if (ok) {
      slot.failures = 0;
      return fx;
    }
    slot.failures++;
    if (slot.failures >= this.limits.recycleAfterFailures && slot.state !== "draining")
      this.fire(slot, "failureLimit", fx);
    this.settle(nowMs, fx);
    return fx;
  }

  /**
   * A handshake with the peer failed: counted like a send failure; a `final` one (the
   * socket will not try again: a refused key, plaintext against CURVE) recycles the
   * socket at once.
   */
  handshakeFailed(slotId: number, nowMs: number, final = false): PoolEffect[] {
    const slot = this.slots.get(slotId);
    if (!final || !slot) return this.sendResult(slotId, false, nowMs);
    const fx: PoolEffect[] = [];
    slot.failures = Math.max(slot.failures + 1, this.limits.recycleAfterFailures);
    if (slot.state !== "draining") this.fire(slot, "failureLimit", fx);
    this.settle(nowMs, fx);
    return fx;
  }

  /** The peer left the matchmaker: reject its waiters, close (or drain) its socket. */
  hostRemoved(peer: string, nowMs: number): PoolEffect[] {
    const fx: PoolEffect[] = [];
    for (const w of [...this.waiters.values()]) if (w.peer === peer) this.reject(w.ticket, "host-removed", fx);
    const slot = this.current.get(peer);
    if (slot) this.fire(slot, "hostRemoved", fx);
    this.settle(nowMs, fx);
    return fx;
  }

  /** Closes idle sockets whose time is up and rejects waiters past their deadline. */
  tick(nowMs: number): PoolEffect[] {
    const fx: PoolEffect[] = [];
    for (const slot of [...this.slots.values()]) {
      if (slot.state === "idle" && nowMs >= slot.lastUsedMs + this.limits.idleTimeoutMs)
        this.fire(slot, "idleTimeout", fx);
    }
    this.settle(nowMs, fx);
    return fx;
  }

  /** Closes the least recently used idle socket, if any (shedding load; also used when full). */
  evictIdle(nowMs: number): PoolEffect[] {
    const fx: PoolEffect[] = [];
    if (this.evictOne(fx)) this.settle(nowMs, fx);
    return fx;
  }

  /** When `tick` next has something to do; undefined when nothing is pending. */
  nextWakeMs(): number | undefined {
    let next = Infinity;
    for (const s of this.slots.values())
      if (s.state === "idle") next = Math.min(next, s.lastUsedMs + this.limits.idleTimeoutMs);
    for (const w of this.waiters.values()) next = Math.min(next, w.deadlineMs);
    return Number.isFinite(next) ? next : undefined;
  }

  /** Closes every socket and rejects every waiter; later acquires are rejected. */
  shutdown(): PoolEffect[] {
    const fx: PoolEffect[] = [];
    this.shut = true;
    for (const w of [...this.waiters.values()]) this.reject(w.ticket, "shutdown", fx);
    for (const slot of [...this.slots.values()]) this.fire(slot, "shutdown", fx);
    this.leaseCount = 0;
    return fx;
  }

  get isShutdown(): boolean {
    return this.shut;
  }

  /** Leases held on slot `slotId` (undefined once it closed). */
  slotLeases(slotId: number): number | undefined {
    return this.slots.get(slotId)?.leases;
  }

  counters(): PoolCounters {
    return { ...this.c, leases: this.leaseCount, waiting: this.waiters.size };
  }

  private settle(nowMs: number, fx: PoolEffect[]): void {
    if (this.waiters.size === 0) return; // the hot path: every step below concerns waiters
    this.grantWaiters(nowMs, fx);
    this.expireWaiters(nowMs, fx);
    this.preempt(fx);
  }

  /** Pass 1 grants on existing sockets (takes no room); pass 2 opens sockets in arrival order. */
  private grantWaiters(nowMs: number, fx: PoolEffect[]): void {
    // A Map iterates in insertion order and tolerates deleting the entry being visited
    // (grant and reject delete only that one), so no copy of the waiters is needed.
    for (let pass = 1; pass <= 2; pass++) {
      for (const w of this.waiters.values()) {
        const slot = this.current.get(w.peer);
        if (slot) {
          if (slot.leases < this.limits.maxInFlightPerPeer) this.grant(w, slot, nowMs, fx);
          continue;
        }
        if (pass === 1) continue;
        if (this.c.open >= this.limits.maxSockets && !this.evictOne(fx)) continue;
        this.grant(w, this.openSlot(w.peer, nowMs, fx), nowMs, fx);
      }
    }
  }

  private expireWaiters(nowMs: number, fx: PoolEffect[]): void {
    for (const w of this.waiters.values()) if (nowMs >= w.deadlineMs) this.reject(w.ticket, "timeout", fx);
  }

  /**
   * Drains LRU busy sockets until every peer waiting for room has a draining socket whose
   * close will make that room (or nothing busy is left). A drained socket's own waiters
   * then wait for room too, so the count is taken again after each drain.
   */
  private preempt(fx: PoolEffect[]): void {
    while (this.waiters.size > 0) {
      const blocked = new Set<string>();
      for (const w of this.waiters.values()) if (!this.current.has(w.peer)) blocked.add(w.peer);
      if (blocked.size <= this.c.draining) return;
      const victim = this.leastRecentlyUsed("busy");
      if (!victim) return;
      this.fire(victim, "preempt", fx);
    }
  }

  private evictOne(fx: PoolEffect[]): boolean {
    const victim = this.leastRecentlyUsed("idle");
    if (!victim) return false;
    this.fire(victim, "evict", fx);
    return true;
  }

  private leastRecentlyUsed(state: "idle" | "busy"): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.current.values()) {
      if (s.state !== state) continue;
      if (!best || s.lastUsedMs < best.lastUsedMs || (s.lastUsedMs === best.lastUsedMs && s.id < best.id)) best = s;
    }
    return best;
  }

  private openSlot(peer: string, nowMs: number, fx: PoolEffect[]): Slot {
    const slot: Slot = { id: this.nextSlotId++, peer, state: "absent", leases: 0, lastUsedMs: nowMs, failures: 0 };
    this.slots.set(slot.id, slot);
    this.current.set(peer, slot);
    this.c.created++;
    fx.push({ type: "open", slot: slot.id, peer });
    this.fire(slot, "open", fx);
    this.c.peakOpen = Math.max(this.c.peakOpen, this.c.open);
    return slot;
  }

  private grant(w: Waiter, slot: Slot, nowMs: number, fx: PoolEffect[]): void {
    this.lease(slot, nowMs, fx);
    this.waiters.delete(w.ticket);
    fx.push({ type: "grant", ticket: w.ticket, slot: slot.id, peer: slot.peer });
  }

  /** Books a lease on `slot` (an acquire never drains or closes, so `fire` adds no effect). */
  private lease(slot: Slot, nowMs: number, fx: PoolEffect[]): void {
    if (slot.state === "idle" || slot.leases > 0) this.c.reused++;
    this.fire(slot, "acquire", fx);
    slot.leases++;
    this.leaseCount++;
    slot.lastUsedMs = nowMs;
  }

  private reject(ticket: number, reason: RejectReason, fx: PoolEffect[]): void {
    const w = this.waiters.get(ticket);
    if (!w) return;
    this.waiters.delete(ticket);
    if (reason !== "shutdown") this.c[REJECT_COUNTER[reason]]++;
    fx.push({ type: "reject", ticket, peer: w.peer, reason });
  }

  /** Applies one table transition to `slot`, with its bookkeeping and effects. */
  private fire(slot: Slot, event: SlotEvent, fx: PoolEffect[]): void {
    const from = slot.state;
    const to = nextSlotState(from, event);
    if (to === undefined) throw new Error(`pool: event ${event} is not allowed for a socket in state ${from}`);
    // A slot that stays in its state (busy on an acquire or a release that leaves a
    // lease) changes no counter and makes no effect: two keyed counter updates and a
    // table read less on every lease and release of a busy socket, about 3 % of a
    // cast's main-thread CPU (profile; issue 14).
    if (to === from) return;
    if (from === "idle" || from === "busy" || from === "draining") this.c[from]--;
    else this.c.open++;
    slot.state = to;
    const reason = CLOSE_REASON[event];
    if (to === "draining" && from !== "draining") {
      slot.drainReason = reason;
      this.current.delete(slot.peer);
      fx.push({ type: "drain", slot: slot.id, peer: slot.peer, reason: reason ?? "shutdown" });
    }
    if (to === "closed") {
      this.closeSlot(slot, (event === "releaseLast" ? slot.drainReason : reason) ?? "shutdown", fx);
      return;
    }
    this.c[to as "idle" | "busy" | "draining"]++;
  }

  private closeSlot(slot: Slot, reason: CloseReason, fx: PoolEffect[]): void {
    this.slots.delete(slot.id);
    if (this.current.get(slot.peer) === slot) this.current.delete(slot.peer);
    this.c.open--;
    this.c.closed++;
    for (const k of CLOSE_COUNTERS[reason]) this.c[k]++;
    fx.push({ type: "close", slot: slot.id, peer: slot.peer, reason });
  }
}
