/**
 * Checkers of the notification workload (spec/sim.md, "Notifications"; the promises of
 * spec/notifications.md), judged from the NotifyLog only: the pools the cluster's
 * matchmaker listed when each notification was published, how its info() settled, and
 * every call the listeners' endpoint got. They find nothing to judge in runs without
 * notifications, and then return no figures.
 */
import { serverOf } from "../history/exec-log.js";
import { listenerLayout } from "../notify/notify-options.js";
import { NOTIFY_OUTCOME, type NotifyLog } from "../notify/notify-log.js";
import type { Checker, CheckInput } from "./index.js";

interface PoolCalls {
  calls: number;
  /** Calls that did not ask for the notification again. */
  finals: number;
  firstAtUs: number;
}

/** Endpoint calls per notification and pool identity. */
function callsByPool(log: NotifyLog): Map<number, Map<string, PoolCalls>> {
  const out = new Map<number, Map<string, PoolCalls>>();
  for (const c of log.calls) {
    let pools = out.get(c.n);
    if (!pools) {
      pools = new Map();
      out.set(c.n, pools);
    }
    const p = pools.get(c.pool) ?? { calls: 0, finals: 0, firstAtUs: c.atUs };
    p.calls++;
    if (!c.requeue) p.finals++;
    pools.set(c.pool, p);
  }
  return out;
}

/**
 * A listed pool a resolved notification must have reached: none of its member processes
 * ended (crashed, or began a graceful stop) at or after the publication, since a member
 * that ends may take accepted copies with it (spec/notifications.md, "Failure modes").
 */
function poolSurvived({ ctx }: CheckInput, pool: string, atUs: number): boolean {
  const o = ctx.options.notifications!;
  const ended = ctx.faults.ended.filter((e) => e.atUs >= atUs);
  if (pool.startsWith(":")) {
    const [h, inc] = pool.slice(2).split(".").map(Number);
    return !ended.some((e) => e.host === h && e.incarnation === inc);
  }
  return !ended.some((e) => listenerLayout(e.host, o).pool === pool);
}

/**
 * With acks a resolved info() means every listed pool's member admitted its copy, so the
 * pool handles it unless that member ends. Without acks it means only that a connection
 * accepted the copy: a member that crashed before the publication but is still registered,
 * or a connection that drops (a partition), can lose it after the fact, as
 * spec/notifications.md says; the run then reports the copies owed and reached as figures
 * and raises no violation.
 */
export const notifyReachesLivePools: Checker = {
  name: "notify-reaches-live-pools",
  proves:
    "with acks, a notification whose info() resolved reached every pool listed when it was published whose members all lived on",
  check(input: CheckInput): Record<string, number> | undefined {
    const { ctx } = input;
    const log = ctx.notifies;
    if (!log) return undefined;
    const judged = ctx.options.driver.acks === true;
    const byPool = callsByPool(log);
    let owed = 0;
    let reached = 0;
    log.published.forEach((p, n) => {
      if (p.outcome !== NOTIFY_OUTCOME.resolved) return;
      for (const [pool, members] of p.pools) {
        const { topic } = listenerLayout(serverOf(members[0]!).host, ctx.options.notifications!);
        if (topic !== p.topic || !poolSurvived(input, pool, p.atUs)) continue;
        owed++;
        if ((byPool.get(n)?.get(pool)?.calls ?? 0) > 0) reached++;
        else if (judged)
          ctx.violations.add({
            checker: this.name,
            message: `notification #${n} (from h${p.host}, topic n${p.topic}) resolved, but pool ${pool} never got it`,
            atUs: p.atUs,
          });
      }
    });
    const count = (o: number) => log.published.filter((p) => p.outcome === o).length;
    return {
      notificationsPublished: log.published.length,
      notificationsResolved: count(NOTIFY_OUTCOME.resolved),
      notificationsRejected: count(NOTIFY_OUTCOME.rejected),
      notificationsAbandoned: count(NOTIFY_OUTCOME.abandoned),
      notificationsUnrouted: log.published.filter((p) => p.pools.size === 0).length,
      notificationPoolCopiesOwed: owed,
      notificationPoolCopiesReached: reached,
      notificationRequeues: log.calls.filter((c) => c.requeue).length,
    };
  },
};

export const notifyAtMostOncePerPool: Checker = {
  name: "notify-at-most-once-per-pool",
  proves:
    "no pool takes a notification more than once (one endpoint call that did not ask for it again), and no pool gets one it was not listed for",
  check({ ctx }: CheckInput): void {
    const log = ctx.notifies;
    if (!log) return;
    const exactView = ctx.options.cluster.matchmakerLatencyMs === 0;
    for (const [n, pools] of callsByPool(log)) {
      const p = log.published[n];
      for (const [pool, c] of pools) {
        if (c.finals > 1)
          ctx.violations.add({
            checker: this.name,
            message: `pool ${pool} took notification #${n} ${c.finals} times`,
            atUs: c.firstAtUs,
          });
        if (exactView && p !== undefined && !p.pools.has(pool))
          ctx.violations.add({
            checker: this.name,
            message: `pool ${pool} got notification #${n} without being listed when it was published`,
            atUs: c.firstAtUs,
          });
      }
    }
  },
};

export const notifyRequeuesBounded: Checker = {
  name: "notify-requeues-bounded",
  proves: "a pool's endpoints see a notification at most maxRequeues + 1 times",
  check({ ctx }: CheckInput): void {
    const log = ctx.notifies;
    if (!log) return;
    const max = ctx.options.notifications!.maxRequeues;
    for (const [n, pools] of callsByPool(log))
      for (const [pool, c] of pools)
        if (c.calls > max + 1)
          ctx.violations.add({
            checker: this.name,
            message: `pool ${pool} saw notification #${n} ${c.calls} times (maxRequeues ${max})`,
            atUs: c.firstAtUs,
          });
  },
};

export const notifyTopicIsolation: Checker = {
  name: "notify-topic-isolation",
  proves: "a listener only ever gets notifications of its own topic, and only published ones",
  check({ ctx }: CheckInput): void {
    const log = ctx.notifies;
    if (!log) return;
    for (const c of log.calls) {
      const p = log.published[c.n];
      if (p !== undefined && p.topic === c.topic) continue;
      ctx.violations.add({
        checker: this.name,
        message:
          p === undefined
            ? `h${c.host} got a notification that was never published (#${c.n})`
            : `h${c.host}, listening on n${c.topic}, got notification #${c.n} of topic n${p.topic}`,
        atUs: c.atUs,
      });
    }
  },
};
