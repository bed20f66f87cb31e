/**
 * Notifier (oslo notify/notifier.py, tag rocky-eol): publishes notifications, one method
 * per priority. A notification goes to `<topic>.<priority>` for each of the notifier's
 * topics (exchange "openstack"); there, every pool of listeners gets one copy, taken by one
 * member of the pool (spec/notifications.md):
 *
 * 1. the pool listing of `<topic>.<priority>` (core/target.ts, notifyPoolsKey) is read from
 *    the matchmaker once;
 * 2. one NOTIFY per listed pool goes through the client engine like a cast to the pool's
 *    key (round robin over its members, failed sends retried on others, ACKs when
 *    DriverOptions.acks is on);
 * 3. the promise resolves when every listed pool's copy was accepted (by a member's
 *    connection, or with acks by the member itself); it rejects with MessageDeliveryFailure
 *    when a copy could not be delivered by the deadline, saying how many pools it reached.
 *
 * A topic without any pool: the notification is dropped there, counted in stats.unrouted
 * and logged; info() still resolves unless `rejectUnrouted` is set. Pools that appear later
 * never get it (no broker keeps it).
 */
import { encodeNotificationPayload } from "../core/codec.js";
import { notificationTimestamp, type NotificationMessage, type Priority } from "../core/notify-message.js";
import { DEFAULT_EXCHANGE, notifyPoolKey, notifyPoolsKey, poolsOfListing } from "../core/target.js";
import {
  boolean,
  finiteAtLeast,
  knownKeys,
  optionsObject,
  plainObject,
  string,
  typeError,
  rangeError,
} from "../core/validate.js";
import { sendsOnce, WIRE_KEY, withWireMeta, type WireTrace } from "../core/wire-context.js";
import { MessageDeliveryFailure, TransportClosed } from "../errors.js";
import { randomId } from "../ports/rng.js";
import { checkLogger, consoleLogger, safeWarn, type Logger } from "./logger.js";
import { checkSerializer, noOpSerializer, type Serializer } from "./serializer.js";
import { getRpcTransport, Transport, transportInternals } from "./transport.js";
import type { DriverOptions } from "../options.js";

export interface NotifierOptions {
  /** Sent as publisher_id with every notification (oslo: publisher_id, default None). @default null */
  publisherId?: string | null;
  /** Topics each notification goes to, as `<topic>.<priority>` (oslo: [oslo_messaging_notifications] topics). @default ["notifications"] */
  topics?: string[];
  /** Re-sends to another member of a pool after a failed send: null or -1 = until the deadline, 0 = none. @default null */
  retry?: number | null;
  /** @default noOpSerializer */
  serializer?: Serializer;
  /** How long a copy may take to reach its pool (oslo: none). @default DriverOptions.rpcResponseTimeoutMs (60000) */
  timeoutMs?: number;
  /** Reject with MessageDeliveryFailure when a topic has no listener, instead of resolving after counting and logging it. @default false */
  rejectUnrouted?: boolean;
  /** Where "no listener" is logged. @default consoleLogger (console.warn) */
  logger?: Logger;
}

export type NotifierPrepareOptions = Pick<NotifierOptions, "publisherId" | "topics" | "retry">;

/** Counters of a notifier and every notifier prepare() made from it. */
export interface NotifierStats {
  /** Notifications published (one per info() and the like, whatever the number of topics). */
  notifications: number;
  /** Copies accepted by a pool (one per topic and pool). */
  copiesDelivered: number;
  /** Copies that failed (the publish rejected). */
  copiesFailed: number;
  /** (notification, topic) pairs dropped because the topic had no pool. */
  unrouted: number;
  /** Pool listings that could not be read (matchmaker unavailable): the publish rejected. */
  lookupFailures: number;
}

const OPTION_KEYS = ["publisherId", "topics", "retry", "serializer", "timeoutMs", "rejectUnrouted", "logger"] as const;
const PREPARE_KEYS = ["publisherId", "topics", "retry"] as const;

interface Shared {
  readonly transport: Transport;
  readonly serializer: Serializer;
  readonly timeoutMs: number | undefined;
  readonly rejectUnrouted: boolean;
  readonly logger: Logger;
  readonly stats: NotifierStats;
}

function checkOptions(what: string, o: Record<string, unknown>): void {
  if (o.publisherId !== undefined && o.publisherId !== null) string(`${what}.publisherId`, o.publisherId);
  if (o.topics !== undefined) {
    if (!Array.isArray(o.topics)) throw typeError(`${what}.topics`, "an array of non-empty strings", o.topics);
    for (const [i, t] of (o.topics as unknown[]).entries()) string(`${what}.topics[${i}]`, t, { nonEmpty: true });
  }
  const r = o.retry;
  if (r !== undefined && r !== null) {
    const expected = "null, -1 (both: until the deadline) or an integer >= 0";
    if (typeof r !== "number") throw typeError(`${what}.retry`, expected, r);
    if (!Number.isInteger(r) || r < -1) throw rangeError(`${what}.retry`, expected, r);
  }
}

/** A notification's message id: a random UUID (version 4) drawn from the transport's Rng port. */
function uuid4(hex: string): string {
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class Notifier {
  readonly publisherId: string | null;
  readonly topics: readonly string[];
  readonly retry: number | null;
  private readonly shared: Shared;

  constructor(transport: Transport, options: NotifierOptions = {}) {
    if (!(transport instanceof Transport))
      throw typeError("Notifier: transport", "a Transport (from getNotificationTransport)", transport);
    const o = optionsObject("Notifier: options", options);
    knownKeys("Notifier: options", o, OPTION_KEYS);
    checkOptions("Notifier: options", o);
    if (o.serializer !== undefined) checkSerializer("Notifier: options.serializer", o.serializer);
    if (o.timeoutMs !== undefined) finiteAtLeast("Notifier: options.timeoutMs", o.timeoutMs, 0);
    if (o.rejectUnrouted !== undefined) boolean("Notifier: options.rejectUnrouted", o.rejectUnrouted);
    const logger = o.logger === undefined ? consoleLogger : checkLogger("Notifier: options.logger", o.logger);
    this.publisherId = options.publisherId ?? null;
    this.topics = Object.freeze([...(options.topics ?? ["notifications"])]);
    this.retry = options.retry === undefined || options.retry === null || options.retry < 0 ? null : options.retry;
    this.shared = {
      transport,
      serializer: options.serializer ?? noOpSerializer,
      timeoutMs: options.timeoutMs,
      rejectUnrouted: options.rejectUnrouted === true,
      logger,
      stats: { notifications: 0, copiesDelivered: 0, copiesFailed: 0, unrouted: 0, lookupFailures: 0 },
    };
  }

  /** A notifier with publisherId, topics or retry overridden; it shares this one's stats (oslo: prepare). */
  prepare(overrides: NotifierPrepareOptions): Notifier {
    const o = optionsObject("Notifier.prepare: overrides", overrides);
    knownKeys("Notifier.prepare: overrides", o, PREPARE_KEYS);
    checkOptions("Notifier.prepare: overrides", o);
    const child = Object.create(Notifier.prototype) as Notifier;
    const fields = {
      publisherId: overrides.publisherId === undefined ? this.publisherId : overrides.publisherId,
      topics: overrides.topics === undefined ? this.topics : Object.freeze([...overrides.topics]),
      retry:
        overrides.retry === undefined
          ? this.retry
          : overrides.retry === null || overrides.retry < 0
            ? null
            : overrides.retry,
      shared: this.shared,
    };
    return Object.assign(child, fields);
  }

  /** Counters shared with every notifier prepare() made from this one. */
  get stats(): Readonly<NotifierStats> {
    return this.shared.stats;
  }

  /** Whether notifications go anywhere: false with no topics (oslo: no driver). */
  isEnabled(): boolean {
    return this.topics.length > 0;
  }

  audit(ctx: Record<string, unknown>, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctx, eventType, payload, "audit");
  }
  debug(ctx: Record<string, unknown>, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctx, eventType, payload, "debug");
  }
  info(ctx: Record<string, unknown>, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctx, eventType, payload, "info");
  }
  warn(ctx: Record<string, unknown>, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctx, eventType, payload, "warn");
  }
  error(ctx: Record<string, unknown>, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctx, eventType, payload, "error");
  }
  critical(ctx: Record<string, unknown>, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctx, eventType, payload, "critical");
  }
  sample(ctx: Record<string, unknown>, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctx, eventType, payload, "sample");
  }

  /** One notification, inside a PRODUCER span when tracing (spec/observability.md, "Traces"). */
  private notify(ctx: Record<string, unknown>, eventType: string, body: unknown, p: Priority): Promise<void> {
    const { observer } = transportInternals(this.shared.transport);
    const topic = this.topics.join(",");
    const probe = observer.beginClient(
      "notify",
      { topic, exchange: DEFAULT_EXCHANGE, method: eventType, name: `${topic}.${p} send` },
      () => this.topics.map((t) => notifyPoolsKey({ topic: t }, p)).join(","),
    );
    const sent = this.send(ctx, eventType, body, p, probe?.span?.wire);
    return probe === undefined ? sent : observer.endClient(probe, sent);
  }

  private async send(
    ctx: Record<string, unknown>,
    eventType: string,
    body: unknown,
    p: Priority,
    trace: WireTrace | undefined,
  ): Promise<void> {
    const op = `Notifier.${p}`;
    plainObject(`${op}: ctx`, ctx);
    if (Object.hasOwn(ctx, WIRE_KEY))
      throw typeError(`${op}: ctx._zmq`, 'absent (the driver reserves the context key "_zmq")', ctx[WIRE_KEY]);
    string(`${op}: eventType`, eventType);
    const { transport, serializer, stats } = this.shared;
    if (transport.isClosed) throw new TransportClosed();
    const { engine, deps } = transportInternals(transport);
    const message: NotificationMessage = {
      message_id: uuid4(randomId(deps.rng)),
      publisher_id: this.publisherId,
      event_type: eventType,
      priority: p.toUpperCase(),
      payload: serializer.serializeEntity(ctx, body),
      timestamp: notificationTimestamp(deps.clock.epochMs()),
    };
    // No deadline: an accepted notification is never dropped for its age (spec/notifications.md).
    const context = serializer.serializeContext(ctx);
    if (serializer !== noOpSerializer && Object.hasOwn(Object(context), WIRE_KEY))
      throw typeError(`${op}: serializer.serializeContext(ctx)._zmq`, "absent", context[WIRE_KEY]);
    const { acks, routing } = transport.options;
    const wire = withWireMeta(context, undefined, acks, 0, trace, sendsOnce(acks, routing, false));
    const payload = encodeNotificationPayload(wire, message, transport.options.maxPayloadBytes);
    if (!this.isEnabled()) return;
    stats.notifications++;
    const timeoutMs = this.shared.timeoutMs ?? transport.options.rpcResponseTimeoutMs;
    const copies: Promise<void>[] = [];
    const unrouted: string[] = [];
    const unreadable: string[] = [];
    const failed: unknown[] = [];
    await Promise.all(
      this.topics.map(async (topic) => {
        const listing = notifyPoolsKey({ topic }, p);
        let entries: readonly string[];
        try {
          entries = deps.matchmaker.peekHosts?.(listing) ?? (await deps.matchmaker.getHosts(listing));
        } catch (err) {
          stats.lookupFailures++;
          unreadable.push(`${topic}.${p}`);
          failed.push(err);
          return;
        }
        const pools = poolsOfListing(entries);
        if (pools.length === 0) {
          stats.unrouted++;
          unrouted.push(`${topic}.${p}`);
          return;
        }
        for (const pool of pools)
          copies.push(engine.notify({ key: notifyPoolKey({ topic }, p, pool), payload, timeoutMs, retry: this.retry }));
      }),
    );
    let delivered = 0;
    for (const o of await Promise.allSettled(copies)) {
      if (o.status === "fulfilled") delivered++;
      else failed.push(o.reason);
    }
    stats.copiesDelivered += delivered;
    stats.copiesFailed += copies.length - delivered;
    const what = `notification ${message.message_id} (${eventType})`;
    if (unrouted.length > 0) {
      const text = `${what} had no listener on ${unrouted.join(", ")}: dropped there`;
      safeWarn(this.shared.logger, text, { messageId: message.message_id, eventType, unrouted });
      if (this.shared.rejectUnrouted && failed.length === 0) throw new MessageDeliveryFailure(text);
    }
    if (failed.length === 0) return;
    const parts: string[] = [];
    if (copies.length > 0) parts.push(`reached ${delivered} of ${copies.length} pools`);
    if (unreadable.length > 0) parts.push(`found no pool listing for ${unreadable.join(", ")}`);
    const first = failed[0] as { message?: unknown; host?: unknown; retryable?: unknown } | undefined;
    throw new MessageDeliveryFailure(`${what} ${parts.join(" and ")}: ${String(first?.message ?? first)}`, {
      cause: first,
      host: typeof first?.host === "string" ? first.host : undefined,
      // Sending it again would give the pools that took it a second copy.
      retryable: delivered === 0 && first?.retryable !== false,
    });
  }
}

/** Creates a transport for notifications (oslo: get_notification_transport): the same transport as getRpcTransport. */
export function getNotificationTransport(url: string, options: DriverOptions = {}): Promise<Transport> {
  return getRpcTransport(url, options);
}
