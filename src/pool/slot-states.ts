/**
 * Lifecycle of one pooled socket ("slot") as data. The pool core (pool-core.ts) looks
 * every state change up here and throws on an event the table does not allow, so the
 * table is the single description of what a slot can do; the state diagram
 * uml/generated/pool-slot.state.mmd is generated from it (scripts/state-tables.ts).
 *
 *   absent --open--> busy                       (a socket is created for a caller)
 *   busy --acquire/release--> busy              (more or fewer leases, at least one left)
 *   busy --releaseLast--> idle                  (last lease returned)
 *   idle --acquire--> busy                      (reuse)
 *   idle --idleTimeout|evict|failureLimit|hostRemoved--> closed
 *   busy --preempt|failureLimit|hostRemoved--> draining   (no new leases)
 *   draining --releaseLast--> closed            (close once the last lease is returned)
 *   any open state --shutdown--> closed         (the pool itself closes)
 *
 * Leases are counted by the core, not by the table: `release` vs `releaseLast` is the
 * core's choice depending on the count.
 */
export type SlotState = "absent" | "idle" | "busy" | "draining" | "closed";
export type SlotEvent =
  | "open"
  | "acquire"
  | "release"
  | "releaseLast"
  | "idleTimeout"
  | "evict"
  | "preempt"
  | "failureLimit"
  | "hostRemoved"
  | "shutdown";

export const SLOT_TRANSITIONS: Readonly<Record<SlotState, Readonly<Partial<Record<SlotEvent, SlotState>>>>> = {
  absent: { open: "busy" },
  idle: {
    acquire: "busy",
    idleTimeout: "closed",
    evict: "closed",
    failureLimit: "closed",
    hostRemoved: "closed",
    shutdown: "closed",
  },
  busy: {
    acquire: "busy",
    release: "busy",
    releaseLast: "idle",
    preempt: "draining",
    failureLimit: "draining",
    hostRemoved: "draining",
    shutdown: "closed",
  },
  draining: {
    release: "draining",
    releaseLast: "closed",
    hostRemoved: "draining",
    failureLimit: "draining",
    shutdown: "closed",
  },
  closed: {},
};

/** Next state, or undefined when `event` is not allowed in `state`. */
export function nextSlotState(state: SlotState, event: SlotEvent): SlotState | undefined {
  return SLOT_TRANSITIONS[state][event];
}

/** Why a socket was closed; every close is counted under exactly one reason. */
export type CloseReason = "idle" | "evicted" | "preempted" | "failed" | "host-removed" | "shutdown";

/** The close reason an event leads to (for events that close or drain a slot). */
export const CLOSE_REASON: Readonly<Partial<Record<SlotEvent, CloseReason>>> = {
  idleTimeout: "idle",
  evict: "evicted",
  preempt: "preempted",
  failureLimit: "failed",
  hostRemoved: "host-removed",
  shutdown: "shutdown",
};
