/**
 * Goal: the simulator's notification workload and checkers (spec/sim.md, "Notifications").
 * A run without the workload is the run it was before (the option off changes nothing);
 * a run with it is deterministic and clean, and reaches every pool it owes; each checker
 * fires on the history of a clean run broken on purpose in the one way it watches for
 * (a pool taking a notification twice or one it was not listed for, requeues beyond the
 * bound, a listener outside its topic, a resolved notification a surviving pool never
 * got), and the last only with acks (without them a resolution proves less).
 * Method: runSimulation on a small cluster, then the checkers on altered copies of its
 * NotifyLog.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Checker } from "../../sim/checkers/index.js";
import {
  notifyAtMostOncePerPool,
  notifyReachesLivePools,
  notifyRequeuesBounded,
  notifyTopicIsolation,
} from "../../sim/checkers/notifications.js";
import { FAULTS_NONE } from "../../sim/faults/options.js";
import { NOTIFY_OUTCOME, NotifyLog } from "../../sim/notify/notify-log.js";
import { runSimulation, type SimResult } from "../../sim/run.js";
import { Violations } from "../../sim/violations.js";

const base = {
  seed: 11,
  cluster: { hosts: 6, serversPerTopic: 3 },
  workload: { calls: 200 },
  faults: FAULTS_NONE,
};
const notifications = { count: 300, topics: 2, poolsPerTopic: 2, requeueRatio: 0.2, maxRequeues: 2 };

/** `r`'s NotifyLog with `alter` applied to a copy, judged by `c` again. */
function recheck(r: SimResult, c: Checker, alter: (log: NotifyLog) => void, acks = true): string[] {
  const log = new NotifyLog();
  const src = r.ctx.notifies!;
  log.published.push(...src.published.map((p) => ({ ...p, pools: new Map(p.pools) })));
  log.calls.push(...src.calls.map((x) => ({ ...x })));
  alter(log);
  const violations = new Violations();
  const options = { ...r.ctx.options, driver: { ...r.ctx.options.driver, acks } };
  c.check({ ctx: { ...r.ctx, options, notifies: log, violations }, cluster: r.cluster, healUs: r.healUs });
  return violations.list().map((v) => v.checker);
}

describe("sim notifications", () => {
  let clean: SimResult;
  before(async () => {
    clean = await runSimulation({ ...base, driver: { acks: true }, notifications });
  });

  it("without the notification workload (or with count 0) a run keeps its trace hash", async () => {
    const off = await runSimulation(base);
    const zero = await runSimulation({ ...base, notifications: { count: 0 } });
    assert.equal(zero.traceHash, off.traceHash);
    assert.equal(off.ctx.notifies, undefined);
  });

  it("with it, a run is clean, deterministic, publishes every notification and reaches every pool it owes", async () => {
    assert.deepEqual(clean.violations, []);
    const again = await runSimulation({ ...base, driver: { acks: true }, notifications });
    assert.equal(again.traceHash, clean.traceHash);
    const f = clean.figures;
    assert.equal(f.notificationsPublished, 300);
    assert.ok(f.notificationPoolCopiesOwed! > 300, "several pools per notification");
    assert.equal(f.notificationPoolCopiesReached, f.notificationPoolCopiesOwed);
    assert.ok(f.notificationRequeues! > 0, "some endpoint calls asked for requeues");
  });

  it("notify-at-most-once-per-pool fires when a pool takes a notification twice, or one it was not listed for", () => {
    const c = clean.ctx.notifies!.calls.find((x) => !x.requeue)!;
    assert.deepEqual(
      recheck(clean, notifyAtMostOncePerPool, () => undefined),
      [],
    );
    assert.deepEqual(
      recheck(clean, notifyAtMostOncePerPool, (log) => log.calls.push({ ...c })),
      ["notify-at-most-once-per-pool"],
    );
    assert.deepEqual(
      recheck(clean, notifyAtMostOncePerPool, (log) => log.published[c.n]!.pools.delete(c.pool)),
      ["notify-at-most-once-per-pool"],
    );
  });

  it("notify-requeues-bounded fires when a pool sees a notification more than maxRequeues + 1 times", () => {
    const c = clean.ctx.notifies!.calls[0]!;
    assert.deepEqual(
      recheck(clean, notifyRequeuesBounded, () => undefined),
      [],
    );
    assert.deepEqual(
      recheck(clean, notifyRequeuesBounded, (log) => {
        for (let i = 0; i < 3; i++) log.calls.push({ ...c, requeue: true });
      }),
      ["notify-requeues-bounded"],
    );
  });

  it("notify-topic-isolation fires when a listener gets a notification of another topic", () => {
    assert.deepEqual(
      recheck(clean, notifyTopicIsolation, () => undefined),
      [],
    );
    assert.deepEqual(
      recheck(clean, notifyTopicIsolation, (log) => {
        log.calls[0]!.topic = 1 - log.published[log.calls[0]!.n]!.topic;
      }),
      ["notify-topic-isolation"],
    );
  });

  it("notify-reaches-live-pools fires, with acks, when a resolved notification never reached a surviving listed pool; without acks it only counts", () => {
    const n = clean.ctx.notifies!.published.findIndex((p) => p.outcome === NOTIFY_OUTCOME.resolved && p.pools.size > 0);
    const drop = (log: NotifyLog) => {
      const pool = [...log.published[n]!.pools.keys()][0]!;
      log.calls.splice(0, log.calls.length, ...log.calls.filter((x) => !(x.n === n && x.pool === pool)));
    };
    assert.deepEqual(
      recheck(clean, notifyReachesLivePools, () => undefined),
      [],
    );
    assert.deepEqual(recheck(clean, notifyReachesLivePools, drop), ["notify-reaches-live-pools"]);
    assert.deepEqual(recheck(clean, notifyReachesLivePools, drop, false), []);
  });
});
