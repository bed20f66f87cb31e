/**
 * Notification listeners (oslo get_notification_listener and
 * get_batch_notification_listener, notify/listener.py at tag rocky-eol): endpoints with
 * methods named after priorities, behind one RpcListener per target (a ROUTER each, so a
 * requeue knows the target it came in on), registered for each priority some endpoint
 * handles under two keys (core/target.ts): the pool listing of `<topic>.<priority>`, whose
 * entry names the pool, and the pool's own key, whose entry is the address. Listeners
 * sharing a pool name compete for its notifications (the publisher sends the pool one
 * copy, to one member, round robin); a listener without a pool name gets a private pool
 * and so its own copy (spec/notifications.md). What happens to each notification is the
 * NotificationWorker's (notification-worker.ts).
 */
import { MALFORMED_KINDS, MessageType, type DecodedNotification, type DecodedRequest } from "../core/codec.js";
import { checkNotificationEndpoints, NotificationDispatcher } from "../core/notify-dispatcher.js";
import {
  checkTarget,
  DEFAULT_EXCHANGE,
  notifyPoolKey,
  notifyPoolsKey,
  poolEntry,
  poolPart,
  topicKey,
  type Target,
} from "../core/target.js";
import {
  boolean,
  finiteAtLeast,
  integerAtLeast,
  knownKeys,
  optionsObject,
  string,
  typeError,
} from "../core/validate.js";
import type { ListenerRole } from "../driver/listener-role.js";
import { newListenerStats, type ListenerStats } from "../driver/listener-stats.js";
import { RpcListener } from "../driver/rpc-listener.js";
import { InvalidTarget, MessagingError } from "../errors.js";
import { randomId } from "../ports/rng.js";
import { checkLogger, consoleLogger, safeWarn, type Logger } from "./logger.js";
import { NotificationWorker, type NotificationWorkerStats } from "./notification-worker.js";
import { checkSerializer, noOpSerializer, type Serializer } from "./serializer.js";
import { Transport, transportInternals } from "./transport.js";

export interface NotificationListenerOptions {
  /** Listeners with the same pool name share its notifications, each taken by one of them; none: a pool of its own. @default none */
  pool?: string;
  /** Endpoints that return "requeue" or throw have the notification sent back to the pool; else it is dropped. @default false */
  allowRequeue?: boolean;
  /** Requeues of one notification, after which a further request drops it (counted, logged). @default 3 */
  maxRequeues?: number;
  /** Notifications handled at once per target (oslo: executor_thread_pool_size). @default 64 */
  maxConcurrency?: number;
  /** @default noOpSerializer */
  serializer?: Serializer;
  /** Where dropped and lost notifications and endpoint exceptions are logged. @default consoleLogger */
  logger?: Logger;
}

export interface BatchNotificationListenerOptions extends Omit<NotificationListenerOptions, "maxConcurrency"> {
  /** Most notifications in one batch. @default 100 */
  batchSize?: number;
  /** A batch leaves this long after its first notification arrived, full or not. @default 1000 */
  batchTimeoutMs?: number;
}

export type NotificationListenerStats = ListenerStats & NotificationWorkerStats;

export interface NotificationListener {
  /** Binds and registers every target's socket; resolves once all are registered. */
  start(): Promise<void>;
  /** Deregisters, hands a batch being collected to the endpoints, finishes in-flight notifications. */
  stop(): Promise<void>;
  /** Resolves once stopped. */
  wait(): Promise<void>;
  readonly targets: readonly Target[];
  /** The pool name given, or undefined for a listener with a pool of its own. */
  readonly pool: string | undefined;
  /** The addresses its sockets registered (one per target), once started. */
  readonly hosts: readonly string[];
  /** The sockets' counters summed, and what became of the notifications. */
  readonly stats: NotificationListenerStats;
}

const COMMON_KEYS = ["pool", "allowRequeue", "maxRequeues", "serializer", "logger"] as const;

export function getNotificationListener(
  transport: Transport,
  targets: readonly Target[],
  endpoints: readonly object[],
  options: NotificationListenerOptions = {},
): NotificationListener {
  const what = "getNotificationListener";
  const o = optionsObject(`${what}: options`, options);
  knownKeys(`${what}: options`, o, [...COMMON_KEYS, "maxConcurrency"]);
  const max =
    o.maxConcurrency === undefined ? 64 : integerAtLeast(`${what}: options.maxConcurrency`, o.maxConcurrency, 1);
  return build(what, transport, targets, endpoints, options, max, undefined);
}

export function getBatchNotificationListener(
  transport: Transport,
  targets: readonly Target[],
  endpoints: readonly object[],
  options: BatchNotificationListenerOptions = {},
): NotificationListener {
  const what = "getBatchNotificationListener";
  const o = optionsObject(`${what}: options`, options);
  knownKeys(`${what}: options`, o, [...COMMON_KEYS, "batchSize", "batchTimeoutMs"]);
  const size = o.batchSize === undefined ? 100 : integerAtLeast(`${what}: options.batchSize`, o.batchSize, 1);
  const timeoutMs =
    o.batchTimeoutMs === undefined ? 1000 : finiteAtLeast(`${what}: options.batchTimeoutMs`, o.batchTimeoutMs, 0);
  // A batch holds its notifications' slots until it is handled, so a full batch must fit.
  return build(what, transport, targets, endpoints, options, size, { size, timeoutMs });
}

function build(
  what: string,
  transport: Transport,
  targets: readonly Target[],
  endpoints: readonly object[],
  options: NotificationListenerOptions,
  maxConcurrency: number,
  batch: { size: number; timeoutMs: number } | undefined,
): NotificationListener {
  if (!(transport instanceof Transport))
    throw typeError(`${what}: transport`, "a Transport (from getNotificationTransport)", transport);
  if (!Array.isArray(targets) || targets.length === 0)
    throw typeError(`${what}: targets`, "a non-empty array of targets", targets);
  const checked = new Map<string, Target>();
  for (const [i, t] of targets.entries()) {
    const target = checkTarget(`${what}: targets[${i}]`, t);
    if (!target.topic) throw new InvalidTarget("A notification listener's target must have a topic", t);
    checked.set(topicKey(target), { ...(target.exchange ? { exchange: target.exchange } : {}), topic: target.topic });
  }
  checkNotificationEndpoints(what, endpoints);
  if (options.pool !== undefined) string(`${what}: options.pool`, options.pool, { nonEmpty: true });
  if (options.allowRequeue !== undefined) boolean(`${what}: options.allowRequeue`, options.allowRequeue);
  const maxRequeues =
    options.maxRequeues === undefined ? 3 : integerAtLeast(`${what}: options.maxRequeues`, options.maxRequeues, 0);
  if (options.serializer !== undefined) checkSerializer(`${what}: options.serializer`, options.serializer);
  const logger = options.logger === undefined ? consoleLogger : checkLogger(`${what}: options.logger`, options.logger);

  const { engine, deps, observer } = transportInternals(transport);
  const dispatcher = new NotificationDispatcher([...endpoints]);
  const pool = poolPart(options.pool, randomId(deps.rng));
  const worker = new NotificationWorker({
    engine,
    clock: deps.clock,
    options: transport.options,
    dispatcher,
    serializer: options.serializer ?? noOpSerializer,
    logger,
    allowRequeue: options.allowRequeue === true,
    maxRequeues,
    batch,
  });
  const listenerDeps = {
    ...deps,
    options: transport.options,
    warn: (message: string, details?: Record<string, unknown>) => safeWarn(logger, message, details),
  };
  const listeners = [...checked.values()].map((target) => {
    const role: ListenerRole<DecodedNotification> = {
      name: JSON.stringify({ ...target, pool: options.pool ?? null }),
      // The pool's own key first: a publisher that sees the listing entry then finds the member.
      registrations: (address) => [
        ...dispatcher.priorities.map((p) => ({ key: notifyPoolKey(target, p, pool), entry: address })),
        ...dispatcher.priorities.map((p) => ({ key: notifyPoolsKey(target, p), entry: poolEntry(pool, address) })),
      ],
      serves: (req: DecodedRequest): req is DecodedNotification => req.type === MessageType.NOTIFY,
    };
    const source = { target, pool };
    // A CONSUMER span per notification, child of the notifier's PRODUCER span (spec/observability.md).
    const exchange = target.exchange ?? DEFAULT_EXCHANGE;
    return new RpcListener(listenerDeps, role, maxConcurrency, (req) =>
      observer.tracing.runServer(
        "notify",
        {
          topic: target.topic ?? "",
          exchange,
          method: req.message.event_type,
          name: `${target.topic}.${req.message.priority.toLowerCase()} process`,
        },
        req,
        undefined,
        () => worker.handle(req, source),
        (result) => ("failure" in result ? "NotificationFailure" : undefined),
      ),
    );
  });

  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  return {
    targets: [...checked.values()],
    pool: options.pool,
    get hosts() {
      return listeners.map((l) => l.host).filter((h): h is string => h !== undefined);
    },
    get stats(): NotificationListenerStats {
      const sum = newListenerStats();
      for (const l of listeners) {
        for (const k of Object.keys(sum) as (keyof ListenerStats)[]) {
          if (k === "malformedByKind") for (const m of MALFORMED_KINDS) sum[k][m] += l.stats[k][m];
          else sum[k] = k === "maxInFlight" ? Math.max(sum[k], l.stats[k]) : sum[k] + l.stats[k];
        }
      }
      return { ...sum, ...worker.stats };
    },
    start() {
      starting ??= (async () => {
        for (const l of listeners) transportInternals(transport).attach(l);
        const results = await Promise.allSettled(listeners.map((l) => l.start()));
        const failed = results.find((r) => r.status === "rejected");
        if (failed) {
          await Promise.all(listeners.map((l) => l.stop()));
          throw new MessagingError(`notification listener for ${options.pool ?? "its own pool"} failed to listen`, {
            cause: failed.reason,
          });
        }
      })();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        worker.stop();
        await Promise.all(listeners.map((l) => l.stop()));
      })();
      return stopping;
    },
    wait: () => Promise.all(listeners.map((l) => l.wait())).then(() => undefined),
  };
}
