/**
 * The notification workload of a simulation run (spec/sim.md, "Notifications"): off unless
 * SimOptions.notifications is given, so runs without it keep their trace hashes. Each
 * host that runs an RpcServer also runs one notification listener on notification topic
 * `n<h mod topics>`, in pool `p<g>` for g = floor(h / topics) mod poolsPerTopic, except the
 * last group, whose listeners have no pool name (each its own private pool). Notifications
 * are published at Poisson arrivals from random ready hosts to a random notification topic.
 */

export interface NotifyWorkloadOptions {
  /** Notifications published in the safety phase; 0 turns the workload off. */
  count: number;
  /** Publications per virtual second over the cluster (Poisson). */
  ratePerSec: number;
  /** Notification topics. */
  topics: number;
  /** Listener groups per topic: every group but the last is a named pool, the last private pools. */
  poolsPerTopic: number;
  /** Chance that an endpoint call asks for the notification again. */
  requeueRatio: number;
  /** NotificationListenerOptions.maxRequeues of every listener. */
  maxRequeues: number;
  /** NotifierOptions.timeoutMs. */
  timeoutMs: number;
}

export const NOTIFY_DEFAULTS: NotifyWorkloadOptions = {
  count: 0,
  ratePerSec: 1000,
  topics: 2,
  poolsPerTopic: 3,
  requeueRatio: 0.05,
  maxRequeues: 2,
  timeoutMs: 3000,
};

export function resolveNotifyOptions(o: Partial<NotifyWorkloadOptions>): NotifyWorkloadOptions {
  const r = { ...NOTIFY_DEFAULTS, ...o };
  if (!(r.count >= 0 && r.ratePerSec > 0 && r.topics >= 1 && r.poolsPerTopic >= 1))
    throw new RangeError("notifications need count >= 0, ratePerSec > 0, topics >= 1, poolsPerTopic >= 1");
  if (!(r.requeueRatio >= 0 && r.requeueRatio < 1) || !(r.maxRequeues >= 0))
    throw new RangeError("notifications need 0 <= requeueRatio < 1 and maxRequeues >= 0");
  return r;
}

export const notifyTopicName = (t: number): string => `n${t}`;

/** The notification topic and pool name (undefined: a private pool) of server host `h`. */
export function listenerLayout(h: number, o: NotifyWorkloadOptions): { topic: number; pool: string | undefined } {
  const group = Math.floor(h / o.topics) % o.poolsPerTopic;
  return { topic: h % o.topics, pool: group < o.poolsPerTopic - 1 ? `p${group}` : undefined };
}
