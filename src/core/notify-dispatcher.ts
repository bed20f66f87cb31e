/**
 * Notification dispatcher (oslo notify/dispatcher.py, NotificationDispatcher and
 * BatchNotificationDispatcher, tag rocky-eol): which endpoint methods receive a
 * notification, decided here and invoked by the listener (src/api/notification-worker.ts).
 *
 * - An endpoint receives the notifications of a priority through its method named after
 *   the priority (audit, debug, info, warn, error, critical, sample); the listener
 *   registers only for priorities some endpoint has a method for.
 * - Every endpoint with that method, in the order given, whose `filterRule` (a
 *   NotificationFilter) accepts the notification, is called, until one asks for a requeue
 *   (returns "requeue" or throws): the notification is then requeued (when allowed) and no
 *   further endpoint sees it.
 * - A batch is split by priority, in the order of PRIORITIES (oslo sorts by priority);
 *   each endpoint gets the notifications of the group its filter accepts, none when it
 *   accepts none; a requeue asks for the whole group again.
 * Pure: no invocation, no I/O.
 */
import { findMethod, type EndpointMethod } from "./dispatcher.js";
import { NotificationFilter } from "./notification-filter.js";
import { PRIORITIES, type Priority } from "./notify-message.js";
import { typeError } from "./validate.js";

/** What an endpoint method returns to have the notification delivered again (oslo NotificationResult). */
export const NotificationResult = Object.freeze({ HANDLED: "handled", REQUEUE: "requeue" } as const);

/** One endpoint method that receives a priority's notifications. */
export interface NotificationCallback {
  endpoint: object;
  method: EndpointMethod;
  filter: NotificationFilter | undefined;
}

/** Throws TypeError unless `endpoints` is an array of objects whose `filterRule` is absent or a NotificationFilter, and some endpoint has a priority method. */
export function checkNotificationEndpoints(what: string, endpoints: unknown): asserts endpoints is readonly object[] {
  if (!Array.isArray(endpoints)) throw typeError(`${what}: endpoints`, "an array of objects", endpoints);
  let methods = 0;
  endpoints.forEach((ep: unknown, i) => {
    const name = `${what}: endpoints[${i}]`;
    if (typeof ep !== "object" || ep === null || Array.isArray(ep)) throw typeError(name, "an object", ep);
    const rule = (ep as { filterRule?: unknown }).filterRule;
    if (rule !== undefined && !(rule instanceof NotificationFilter))
      throw typeError(`${name}.filterRule`, "a NotificationFilter", rule);
    for (const p of PRIORITIES) if (findMethod(ep, p)) methods++;
  });
  if (methods === 0)
    throw new TypeError(`${what}: endpoints must have a method named after a priority (${PRIORITIES.join(", ")})`);
}

export class NotificationDispatcher {
  private readonly byPriority = new Map<Priority, NotificationCallback[]>();

  constructor(endpoints: readonly object[]) {
    for (const p of PRIORITIES) {
      const callbacks: NotificationCallback[] = [];
      for (const endpoint of endpoints) {
        const method = findMethod(endpoint, p);
        const filter = (endpoint as { filterRule?: NotificationFilter }).filterRule;
        if (method) callbacks.push({ endpoint, method, filter });
      }
      if (callbacks.length > 0) this.byPriority.set(p, callbacks);
    }
  }

  /** The priorities some endpoint handles, in the order of PRIORITIES: the ones a listener registers for. */
  get priorities(): Priority[] {
    return [...this.byPriority.keys()];
  }

  /** The endpoint methods for `priority`, in endpoint order (filters not applied yet). */
  callbacks(priority: Priority): readonly NotificationCallback[] {
    return this.byPriority.get(priority) ?? [];
  }
}

/** Whether an endpoint's return value asks for the notification again. */
export function asksRequeue(result: unknown): boolean {
  return result === NotificationResult.REQUEUE;
}

/**
 * What becomes of a notification an endpoint asked to see again, requeued `requeues`
 * times so far: sent back to its pool while fewer than `maxRequeues` requeues happened,
 * else dropped (counted and logged by the listener). Without allowRequeue it is dropped.
 */
export function requeueVerdict(allowRequeue: boolean, requeues: number, maxRequeues: number): "requeue" | "drop" {
  return allowRequeue && requeues < maxRequeues ? "requeue" : "drop";
}

/** Splits a batch by priority, in the order of PRIORITIES; each group keeps arrival order. */
export function groupByPriority<T extends { priority: Priority }>(items: readonly T[]): [Priority, T[]][] {
  const groups = new Map<Priority, T[]>();
  for (const p of PRIORITIES) groups.set(p, []);
  for (const it of items) groups.get(it.priority)!.push(it);
  return [...groups].filter(([, g]) => g.length > 0);
}
