/**
 * RpcClient (oslo RPCClient): call, cast and fanout on a target, with prepare() for
 * per-call overrides. Caller mistakes are raised here, before anything is sent (the table
 * in spec/api.md, "Bad input"): a TypeError or RangeError naming the argument, InvalidTarget
 * (bad target fields, no topic, call with fanout), RPCVersionCapError, a malformed version,
 * and from the codec a TypeError naming what JSON cannot carry or PayloadTooLarge, and a
 * context that already has the driver's reserved key "_zmq".
 *
 * Every request carries its absolute deadline (epoch ms on this host's wall clock) in the
 * wire context under "_zmq" (core/wire-context.ts), added to a copy of the caller's
 * context: a server never starts it after that deadline. A context a server handed its
 * endpoint carries that request's deadline (deadline.ts): a call or cast made with it
 * keeps the earlier of the two deadlines, so a nested call never outlives its caller.
 */
import {
  checkSendTarget,
  checkTarget,
  DEFAULT_EXCHANGE,
  overrideTarget,
  sendKey,
  type Target,
} from "../core/target.js";
import {
  boolean,
  finiteAtLeast,
  knownKeys,
  optionsObject,
  plainObject,
  rangeError,
  string,
  typeError,
} from "../core/validate.js";
import { isValidVersion, versionAllowedByCap } from "../core/version.js";
import type { RpcMessage } from "../core/codec.js";
import { sendsOnce, WIRE_KEY, withWireMeta, type WireTrace } from "../core/wire-context.js";
import type { SpanTarget } from "../observability/tracing.js";
import type { SendRequest } from "../driver/outbound.js";
import type { Clock } from "../ports/clock.js";
import { contextDeadline } from "./deadline.js";
import { MessagingError, RPCVersionCapError } from "../errors.js";
import { checkSerializer, noOpSerializer, type Serializer } from "./serializer.js";
import { Transport, transportInternals } from "./transport.js";

export interface RpcClientOptions {
  /** Time a call waits for its reply, and a cast for a receiver. @default DriverOptions.rpcResponseTimeoutMs (60000) */
  timeoutMs?: number;
  /** Re-sends to another server after a failed send: null or -1 = until the deadline (oslo), 0 = none. @default null */
  retry?: number | null;
  /** Highest version this client may send; null = no cap. @default null */
  versionCap?: string | null;
  /** @default noOpSerializer */
  serializer?: Serializer;
  /**
   * The request may run more than once without harm. With DriverOptions.acks, a call or
   * cast whose host is believed dead then moves to another server of its topic; without
   * it, it fails with MessageDeliveryFailure naming the host, so that it never runs on two
   * servers. A target naming one server never moves. @default false
   */
  idempotent?: boolean;
}

export type PrepareOptions = Partial<Target> & Omit<RpcClientOptions, "serializer">;

const OPTION_KEYS = ["timeoutMs", "retry", "versionCap", "serializer", "idempotent"] as const;
const KWARGS = "a plain object (keyword arguments, as oslo's **kwargs)";

/** Checks client options; `what` names them from the caller's side. */
function checkOptions(what: string, o: Record<string, unknown>): void {
  if (o.timeoutMs !== undefined) finiteAtLeast(`${what}.timeoutMs`, o.timeoutMs, 0);
  const r = o.retry;
  if (r !== undefined && r !== null) {
    const expected = "null, -1 (both: until the deadline) or an integer >= 0";
    if (typeof r !== "number") throw typeError(`${what}.retry`, expected, r);
    if (!Number.isInteger(r) || r < -1) throw rangeError(`${what}.retry`, expected, r);
  }
  const cap = o.versionCap;
  if (cap !== undefined && cap !== null) {
    string(`${what}.versionCap`, cap);
    if (!isValidVersion(cap as string)) throw rangeError(`${what}.versionCap`, 'a version "major.minor" or null', cap);
  }
  if (o.serializer !== undefined) checkSerializer(`${what}.serializer`, o.serializer);
  if (o.idempotent !== undefined) boolean(`${what}.idempotent`, o.idempotent);
}

export class RpcClient {
  readonly target: Target;
  private readonly options: RpcClientOptions;
  private readonly clock: Clock;
  private cachedKey: string | undefined;

  constructor(
    private readonly transport: Transport,
    target: Target,
    options: RpcClientOptions = {},
  ) {
    if (!(transport instanceof Transport))
      throw typeError("RpcClient: transport", "a Transport (from getRpcTransport)", transport);
    this.target = checkTarget("RpcClient: target", target);
    const o = optionsObject("RpcClient: options", options);
    knownKeys("RpcClient: options", o, OPTION_KEYS);
    checkOptions("RpcClient: options", o);
    this.options = { ...options };
    this.clock = transportInternals(transport).deps.clock;
  }

  /** A client with some target fields or options overridden (oslo: prepare). */
  prepare(overrides: PrepareOptions): RpcClient {
    const o = optionsObject("RpcClient.prepare: overrides", overrides);
    const { timeoutMs, retry, versionCap, idempotent, ...targetOverrides } = o as PrepareOptions;
    checkOptions("RpcClient.prepare: overrides", { timeoutMs, retry, versionCap, idempotent });
    const target = checkTarget("RpcClient.prepare: overrides", targetOverrides);
    const opts: RpcClientOptions = { ...this.options };
    if (timeoutMs !== undefined) opts.timeoutMs = timeoutMs;
    if (retry !== undefined) opts.retry = retry;
    if (versionCap !== undefined) opts.versionCap = versionCap;
    if (idempotent !== undefined) opts.idempotent = idempotent;
    return new RpcClient(this.transport, overrideTarget(this.target, target), opts);
  }

  /** Whether a message of `version` (default: the target's) passes the version cap. */
  canSendVersion(version?: string): boolean {
    return versionAllowedByCap(this.options.versionCap, version ?? this.target.version);
  }

  call<T = unknown>(ctx: Record<string, unknown>, method: string, args: Record<string, unknown> = {}): Promise<T> {
    let sent: Promise<unknown>;
    let serializer: Serializer;
    const internals = transportInternals(this.transport);
    // Tracing or metrics on: a span and the start time (spec/observability.md); else undefined.
    const probe = internals.observer.beginClient("call", this.spanTarget(method), this.spanKey);
    try {
      const prepared = this.prepareSend(ctx, method, args, true, probe?.span?.wire);
      serializer = prepared.serializer;
      const req: SendRequest = {
        target: this.target,
        key: this.key(),
        context: prepared.context,
        message: prepared.message,
        kind: "call",
        timeoutMs: prepared.timeoutMs,
        retry: this.retry(),
        idempotent: this.options.idempotent === true,
      };
      if (probe?.span !== undefined) req.span = probe.span.span;
      sent = internals.engine.send(req);
    } catch (err) {
      if (probe !== undefined) void internals.observer.endClient(probe, Promise.reject(err)).catch(() => undefined);
      return Promise.reject(err); // argument errors reject, as from an async function
    }
    if (probe !== undefined) sent = internals.observer.endClient(probe, sent);
    // The no-op serializer returns the body as it is: hand back the engine's promise itself.
    return (
      serializer === noOpSerializer ? sent : sent.then((body) => serializer.deserializeEntity(ctx, body))
    ) as Promise<T>;
  }

  cast(ctx: Record<string, unknown>, method: string, args: Record<string, unknown> = {}): Promise<void> {
    const internals = transportInternals(this.transport);
    const kind = this.target.fanout ? "fanout" : "cast";
    const probe = internals.observer.beginClient(kind, this.spanTarget(method), this.spanKey);
    let sent: Promise<unknown>;
    try {
      const { message, context, timeoutMs } = this.prepareSend(ctx, method, args, false, probe?.span?.wire);
      // The engine settles casts and fanouts with undefined.
      const req: SendRequest = {
        target: this.target,
        key: this.key(),
        context,
        message,
        kind,
        timeoutMs,
        retry: this.retry(),
        idempotent: this.options.idempotent === true,
      };
      if (probe?.span !== undefined) req.span = probe.span.span;
      sent = internals.engine.send(req);
    } catch (err) {
      sent = Promise.reject(err);
    }
    return (probe === undefined ? sent : internals.observer.endClient(probe, sent)) as Promise<void>;
  }

  /** The key a span names; "" for a target that cannot be sent to (the send rejects anyway). */
  private readonly spanKey = (): string => {
    try {
      return this.key();
    } catch {
      return "";
    }
  };

  /** What this client's spans name (spec/observability.md, "Traces"). */
  private spanTarget(method: string): SpanTarget {
    const t = this.target;
    return { topic: t.topic ?? "", exchange: t.exchange ?? DEFAULT_EXCHANGE, server: t.server, method };
  }

  /** The matchmaker key of this client's target, computed once (checkSendTarget ran first). */
  private key(): string {
    this.cachedKey ??= sendKey(this.target);
    return this.cachedKey;
  }

  private retry(): number | null {
    const r = this.options.retry;
    return r === undefined || r === null || r < 0 ? null : r;
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? this.transport.options.rpcResponseTimeoutMs;
  }

  private prepareSend(
    ctx: Record<string, unknown>,
    method: string,
    args: Record<string, unknown>,
    isCall: boolean,
    trace: WireTrace | undefined,
  ) {
    const op = isCall ? "RpcClient.call" : "RpcClient.cast";
    const names = isCall ? CALL_NAMES : CAST_NAMES;
    plainObject(names.ctx, ctx);
    if (Object.hasOwn(ctx, WIRE_KEY)) throw reservedKey(`${op}: ctx._zmq`, ctx[WIRE_KEY]);
    string(names.method, method, NON_EMPTY);
    plainObject(names.args, args, KWARGS);
    checkSendTarget(this.target, isCall);
    const version = this.target.version;
    if (version !== undefined && !isValidVersion(version))
      throw new MessagingError(`Version must contain a major and minor integer. Got ${version}`);
    const cap = this.options.versionCap;
    if (cap !== undefined && cap !== null && !versionAllowedByCap(cap, version))
      throw new RPCVersionCapError(version ?? null, cap);
    const serializer = this.options.serializer ?? noOpSerializer;
    // The no-op serializer leaves args as they are; JSON encoding copies them anyway.
    const sargs =
      serializer === noOpSerializer
        ? args
        : Object.fromEntries(Object.entries(args).map(([k, v]) => [k, serializer.serializeEntity(ctx, v)]));
    const message: RpcMessage = { method, args: sargs };
    if (this.target.namespace !== undefined && this.target.namespace !== null)
      message.namespace = this.target.namespace;
    if (version !== undefined) message.version = version;
    const context = serializer.serializeContext(ctx);
    if (
      serializer !== noOpSerializer &&
      typeof context === "object" &&
      context !== null &&
      Object.hasOwn(context, WIRE_KEY)
    )
      throw reservedKey(`${op}: serializer.serializeContext(ctx)._zmq`, context[WIRE_KEY]);
    // The deadline: now + timeout, or the deadline of the request whose context this is
    // when that comes first (a server calling on). Whole milliseconds, rounded down, so
    // a server's check never lets a request start after the caller's own deadline.
    const epoch = this.clock.epochMs();
    let timeoutMs = this.timeoutMs();
    let deadline = Math.floor(epoch + timeoutMs);
    const inherited = contextDeadline(ctx);
    if (inherited !== undefined && inherited < deadline) {
      deadline = inherited;
      timeoutMs = Math.max(0, inherited - epoch);
    }
    const { acks, routing } = this.transport.options;
    const once = sendsOnce(acks, routing, this.options.idempotent === true);
    return { message, context: withWireMeta(context, deadline, acks, 0, trace, once), serializer, timeoutMs };
  }
}

/** What a caller's mistake names, made once rather than per request (three strings a call or cast less). */
const namesOf = (op: string) => ({ ctx: `${op}: ctx`, method: `${op}: method`, args: `${op}: args` }) as const;
const CALL_NAMES = namesOf("RpcClient.call");
const CAST_NAMES = namesOf("RpcClient.cast");
const NON_EMPTY = { nonEmpty: true } as const;

function reservedKey(what: string, value: unknown): TypeError {
  return typeError(what, 'absent (the driver reserves the context key "_zmq" for the deadline it sends)', value);
}
