/**
 * Named scenarios of the notification workload (spec/sim.md, "Notifications"): listener
 * pools with requeues while members crash, restart and are cut off. Each must end with
 * zero violations; the catalog (catalog.ts) lists them with the others.
 */
import { scenario, type Scenario } from "./dsl.js";

/**
 * Six hosts, every one a listener (sim/notify/notify-options.ts, listenerLayout): on topic
 * n0 pool p0 = {h0, h4} and h2's private pool, on n1 pool p0 = {h1, h5} and h3's private
 * pool.
 */
const cluster = { serversPerTopic: 3, topicsPerClient: 2 };
const notifications = { count: 600, ratePerSec: 800, topics: 2, poolsPerTopic: 2, requeueRatio: 0.1, maxRequeues: 2 };

export const NOTIFY_SCENARIOS: readonly Scenario[] = [
  scenario(
    "notify-pools-crash",
    "notifications: a pool member crashes and restarts while notifications flow, with acks; every resolved one reaches every surviving pool once, requeues bounded",
  )
    .hosts(6, cluster)
    .workload({ calls: 300, ratePerSec: 400, timeoutMs: 500 })
    .driver({ acks: true, ackTimeoutMs: 50, registrationTtlMs: 600 })
    .notifications({ ...notifications, timeoutMs: 500 })
    .at(300)
    .crash(0, { restartAfterMs: 200 })
    .at(450)
    .restart(4)
    .build(),

  scenario(
    "notify-partition",
    "notifications: a pool member is cut off longer than the notification timeout; its pool's copies go to the other member or fail, none twice",
  )
    .hosts(6, cluster)
    .workload({ calls: 300, ratePerSec: 400, timeoutMs: 400 })
    .driver({ acks: true, ackTimeoutMs: 50 })
    .notifications({ ...notifications, timeoutMs: 400 })
    .at(300)
    .isolate(1, { forMs: 500 })
    .at(350)
    .duplicate(3, 0, { forMs: 300 })
    .build(),
];
