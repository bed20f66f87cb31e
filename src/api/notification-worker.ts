/**
 * What a notification listener does with each NOTIFY its sockets accepted
 * (spec/notifications.md): deserialize, hand it to the endpoints the dispatcher names
 * (core/notify-dispatcher.ts) one by one or in batches (core/batch-collector.ts, one timer
 * on the Clock port), and when an endpoint asks for it again ("requeue", or an exception)
 * send it back to its own pool through the transport's client engine, with its requeue
 * count in "_zmq" (core/wire-context.ts), until maxRequeues; then drop it, counted and
 * logged. Every notification ends in exactly one of delivered, filtered, requeued,
 * requeueDropped, requeueDisallowed or undeliverable (NotificationWorkerStats).
 */
import { BatchCollector } from "../core/batch-collector.js";
import { encodeNotificationPayload, type DecodedNotification } from "../core/codec.js";
import {
  asksRequeue,
  groupByPriority,
  requeueVerdict,
  type NotificationCallback,
  type NotificationDispatcher,
} from "../core/notify-dispatcher.js";
import { priorityOf, type Priority } from "../core/notify-message.js";
import { notifyPoolKey, type Target } from "../core/target.js";
import { sendsOnce, withWireMeta } from "../core/wire-context.js";
import type { ClientEngine } from "../driver/client-engine.js";
import type { HandlerResult } from "../driver/reply-sender.js";
import type { ResolvedOptions } from "../options.js";
import type { Clock, TimerId } from "../ports/clock.js";
import { safeWarn, type Logger } from "./logger.js";
import type { Serializer } from "./serializer.js";

/** What an endpoint receives (a batch endpoint: an array of these). */
export interface IncomingNotification {
  ctx: Record<string, unknown>;
  publisherId: string | null;
  eventType: string;
  payload: unknown;
  metadata: { messageId: string; timestamp: string };
}

export interface NotificationWorkerStats {
  /** Notifications some endpoint took without asking for them again. */
  delivered: number;
  /** Notifications no endpoint took (no method for the priority, or every filter refused). */
  filtered: number;
  /** Endpoint calls that threw (a requeue request; logged). */
  endpointErrors: number;
  /** Notifications sent back to their pool. */
  requeued: number;
  /** Notifications asked for again after maxRequeues requeues: dropped, logged. */
  requeueDropped: number;
  /** Notifications asked for again by a listener without allowRequeue: dropped (oslo acknowledges them). */
  requeueDisallowed: number;
  /** Requeues that could not be sent (no member of the pool left, transport closed): lost, logged. */
  requeueFailures: number;
  /** Notifications whose context or payload the serializer could not read: dropped, logged. */
  undeliverable: number;
  /** Batches handed to endpoints. */
  batches: number;
}

export function zeroWorkerStats(): NotificationWorkerStats {
  return {
    delivered: 0,
    filtered: 0,
    endpointErrors: 0,
    requeued: 0,
    requeueDropped: 0,
    requeueDisallowed: 0,
    requeueFailures: 0,
    undeliverable: 0,
    batches: 0,
  };
}

/** Where a notification came in: the listener target and pool part whose keys it reached. */
export interface Source {
  target: Target;
  pool: string;
}

interface Item {
  req: DecodedNotification;
  source: Source;
  priority: Priority;
  n: IncomingNotification;
  /** The wire context as it arrived, for a requeue (endpoints may change the one they get). */
  requeueContext: Record<string, unknown> | undefined;
  done: () => void;
}

export interface WorkerDeps {
  engine: ClientEngine;
  clock: Clock;
  options: ResolvedOptions;
  dispatcher: NotificationDispatcher;
  serializer: Serializer;
  logger: Logger;
  allowRequeue: boolean;
  maxRequeues: number;
  /** Batch size and timeout for a batch listener; undefined: one notification at a time. */
  batch: { size: number; timeoutMs: number } | undefined;
}

const DONE: HandlerResult = { body: undefined };

export class NotificationWorker {
  readonly stats = zeroWorkerStats();
  private readonly batches: BatchCollector<Item> | undefined;
  private timer: TimerId | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly d: WorkerDeps) {
    this.batches = d.batch && new BatchCollector<Item>(d.batch.size, d.batch.timeoutMs);
  }

  /** The listener's handler: resolves once the notification is delivered, filtered, requeued or dropped. */
  handle(req: DecodedNotification, source: Source): Promise<HandlerResult> {
    let item: Item;
    try {
      item = this.item(req, source);
    } catch (err) {
      this.stats.undeliverable++;
      safeWarn(this.d.logger, `notification ${req.message.message_id} could not be deserialized: dropped`, {
        error: String(err),
      });
      return Promise.resolve(DONE);
    }
    if (this.batches === undefined) {
      const pending = this.one(item);
      return pending === undefined ? Promise.resolve(DONE) : pending.then(() => DONE);
    }
    return new Promise<HandlerResult>((resolve) => {
      item.done = () => resolve(DONE);
      this.collect(item);
    });
  }

  /** A stopping listener: the batch being collected leaves now, later notifications leave alone. */
  stop(): void {
    this.stopping = true;
    this.flush(this.batches?.flush());
  }

  private item(req: DecodedNotification, source: Source): Item {
    const { serializer } = this.d;
    const m = req.message;
    const requeueContext = this.d.allowRequeue ? { ...req.context } : undefined;
    const ctx = serializer.deserializeContext(req.context);
    const n: IncomingNotification = {
      ctx,
      publisherId: m.publisher_id,
      eventType: m.event_type,
      payload: serializer.deserializeEntity(ctx, m.payload),
      metadata: { messageId: m.message_id, timestamp: m.timestamp },
    };
    // The codec admits known priorities only.
    return { req, source, priority: priorityOf(m.priority)!, n, requeueContext, done: () => undefined };
  }

  /**
   * One notification: every endpoint whose filter takes it, in order, until one asks for
   * it again. Synchronous while the endpoints are (an async one is awaited before the
   * next), so a listener's notifications reach each synchronous endpoint in arrival order.
   */
  private one(it: Item, from = 0, taken = false): Promise<void> | undefined {
    const { n } = it;
    const callbacks = this.d.dispatcher.callbacks(it.priority);
    for (let i = from; i < callbacks.length; i++) {
      const cb = callbacks[i]!;
      if (cb.filter !== undefined && !cb.filter.match(n)) continue;
      taken = true;
      const again = this.invoke(cb, [n.ctx, n.publisherId, n.eventType, n.payload, n.metadata], n);
      if (typeof again !== "boolean") return again.then((a) => (a ? this.requeue(it) : this.one(it, i + 1, true)));
      if (again) return void this.requeue(it);
    }
    if (taken) this.stats.delivered++;
    else this.stats.filtered++;
    return undefined;
  }

  /** Calls an endpoint method: whether it asks for the notification(s) again ("requeue", or it threw), at once unless it returned a promise. */
  private invoke(cb: NotificationCallback, args: unknown[], about: IncomingNotification): boolean | Promise<boolean> {
    const failed = (err: unknown): boolean => {
      this.stats.endpointErrors++;
      safeWarn(this.d.logger, `notification endpoint raised an exception (${about.eventType})`, {
        messageId: about.metadata.messageId,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      return true;
    };
    try {
      const result = (cb.method as (...a: unknown[]) => unknown).apply(cb.endpoint, args);
      if (typeof (result as { then?: unknown } | null)?.then === "function")
        return Promise.resolve(result).then(asksRequeue, failed);
      return asksRequeue(result);
    } catch (err) {
      return failed(err);
    }
  }

  private collect(item: Item): void {
    const b = this.batches!;
    const now = this.d.clock.nowMs();
    const full = b.add(item, now);
    if (full !== undefined || this.stopping) this.flush(full ?? b.flush());
    else if (b.waiting === 1) this.arm(now);
  }

  private arm(now: number): void {
    const at = this.batches!.wakeAtMs;
    if (this.timer !== undefined || at === undefined) return;
    this.timer = this.d.clock.setTimer(at - now, () => {
      this.timer = undefined;
      const now2 = this.d.clock.nowMs();
      this.flush(this.batches!.due(now2));
      this.arm(now2);
    });
  }

  /** Hands a batch to the endpoints after the batches before it (one batch at a time, in order). */
  private flush(batch: Item[] | undefined): void {
    if (batch === undefined) return;
    if (this.timer !== undefined && this.batches!.waiting === 0) {
      this.d.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
    this.chain = this.chain.then(() => this.batch(batch));
  }

  private async batch(items: Item[]): Promise<void> {
    this.stats.batches++;
    for (const [priority, group] of groupByPriority(items)) {
      const taken = new Set<Item>();
      for (const cb of this.d.dispatcher.callbacks(priority)) {
        const mine = cb.filter === undefined ? group : group.filter((it) => cb.filter!.match(it.n));
        if (mine.length === 0) continue;
        for (const it of mine) taken.add(it);
        const again = await this.invoke(cb, [mine.map((it) => it.n)], mine[0]!.n);
        if (again) {
          for (const it of group) this.requeue(it);
          group.length = 0;
          break;
        }
      }
      for (const it of group) {
        if (taken.has(it)) this.stats.delivered++;
        else this.stats.filtered++;
      }
    }
    for (const it of items) it.done();
  }

  /** Sends the notification back to its pool, or drops it (counted, logged) when that is not allowed or too often. */
  private requeue(it: Item): void {
    const { req, source, priority } = it;
    const what = `notification ${req.message.message_id} (${req.message.event_type})`;
    if (requeueVerdict(this.d.allowRequeue, req.requeues, this.d.maxRequeues) === "drop") {
      if (!this.d.allowRequeue) return void this.stats.requeueDisallowed++;
      this.stats.requeueDropped++;
      safeWarn(this.d.logger, `${what} dropped after ${req.requeues} requeues (maxRequeues ${this.d.maxRequeues})`, {
        messageId: req.message.message_id,
        requeues: req.requeues,
      });
      return;
    }
    const { engine, options } = this.d;
    this.stats.requeued++;
    const once = sendsOnce(options.acks, options.routing, false); // a requeue is a new message id
    const context = withWireMeta(it.requeueContext!, undefined, options.acks, req.requeues + 1, undefined, once);
    let sent: Promise<void>;
    try {
      const payload = encodeNotificationPayload(context, req.message, options.maxPayloadBytes);
      const key = notifyPoolKey(source.target, priority, source.pool);
      sent = engine.notify({ key, payload, timeoutMs: options.rpcResponseTimeoutMs, retry: null });
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch((err: unknown) => {
      this.stats.requeueFailures++;
      safeWarn(this.d.logger, `${what} could not be requeued: lost`, {
        messageId: req.message.message_id,
        error: err instanceof Error ? err.message : String(err),
      });
    });
  }
}
