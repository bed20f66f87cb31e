/**
 * The caller's deadline as an endpoint sees it. A server that received a request with a
 * deadline ("_zmq".deadline, core/wire-context.ts) attaches it to the context object it
 * passes to the endpoint method, as a private field (DeadlineStamp below): invisible to
 * JSON.stringify, Object.keys, for-in, util.inspect and assert.deepStrictEqual, so it
 * never travels and never shows up as a context field. Two readers:
 *
 * - remainingMs(ctx), exported from src/index.ts: the budget left, for a handler that
 *   wants to give up early or size its work;
 * - RpcClient.call/cast (rpc-client.ts): given such a context, they cap their timeout at
 *   the budget left and send the same deadline on, so a server calling another service
 *   passes its caller's deadline along instead of starting a fresh one.
 *
 * The field keeps the deadline with the clock of the transport that received it (the
 * budget is measured on that host's wall clock, Clock.epochMs). A context object that is
 * frozen or sealed, or not an object at all (a serializer's choice), gets no deadline.
 */
import type { Clock } from "../ports/clock.js";

interface Attached {
  /** Epoch milliseconds on the caller's wall clock. */
  readonly deadline: number;
  readonly clock: Clock;
}

/** A constructor that returns the object it is given, so that a subclass's field lands on that object. */
class ReturnsItsArgument {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the whole point: `this` becomes `target`
    return target;
  }
}

/**
 * Gives an existing object a private field (`new DeadlineStamp(ctx, a)` adds #attached to
 * ctx; ctx's own properties are untouched). A private field is what the deadline needs:
 * no key, enumerable or not, that a caller's code can see, copy or compare. It is also the
 * cheap way: Object.defineProperty of a non-enumerable symbol key, used before, cost about
 * 350 ns a request (V8's runtime, a map transition with new attributes), 4 % of a cast's
 * main-thread CPU; the private field costs about 30 ns (Node 20, microbenchmark on a
 * freshly parsed context, issue 14).
 */
class DeadlineStamp extends ReturnsItsArgument {
  #attached: Attached;

  constructor(target: object, attached: Attached) {
    super(target);
    this.#attached = attached;
  }

  /** The deadline attached to `o`, if it has one. */
  static of(o: object): Attached | undefined {
    return #attached in o ? (o as DeadlineStamp).#attached : undefined;
  }
}

/** Attaches `deadline` (epoch ms) to `ctx`, measured later on `clock`; skipped when `ctx` cannot take it or has one. */
export function attachDeadline(ctx: unknown, deadline: number, clock: Clock): void {
  if (typeof ctx !== "object" || ctx === null || !Object.isExtensible(ctx) || DeadlineStamp.of(ctx) !== undefined)
    return;
  new DeadlineStamp(ctx, { deadline, clock });
}

/** The deadline (epoch ms) attached to `ctx` by the server that received it, if any. */
export function contextDeadline(ctx: unknown): number | undefined {
  if (typeof ctx !== "object" || ctx === null) return undefined;
  return DeadlineStamp.of(ctx)?.deadline;
}

/**
 * Milliseconds left until the deadline of the request whose context this is (0 once it
 * has passed), on this host's wall clock; undefined for a context without one (one this
 * process made itself, or a request from a client that sends no deadline).
 */
export function remainingMs(ctx: unknown): number | undefined {
  if (typeof ctx !== "object" || ctx === null) return undefined;
  const a = DeadlineStamp.of(ctx);
  return a === undefined ? undefined : Math.max(0, a.deadline - a.clock.epochMs());
}
