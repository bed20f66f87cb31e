/**
 * Checkers judge a run from the outside: they read the workload's CallLog, the endpoint's
 * ExecLog, the simulated ROUTERs' ReadLog, the matchmaker's DiscoveryLog, the FaultLog,
 * the RoutingLog (the clients' picks and breaker states, observed from outside the core)
 * and the simulated sockets' own counters, never the driver's bookkeeping. Each states
 * what it proves (spec/sim.md, "Checkers") and adds Violations; a run passes when none is
 * found.
 */
import type { Cluster } from "../cluster/cluster.js";
import type { SimContext } from "../context.js";
import { atMostOnce, replyRouting, settleDeadline } from "./requests.js";
import { discoveryTtl, fanoutCoverage } from "./membership.js";
import { liveness, poolCap } from "./lifecycle.js";
import { executedOncePerServer, noWorkAfterDeadline } from "./server-runs.js";
import { ackedCastDelivered, nonIdempotentNeverTwice } from "./acked-delivery.js";
import {
  notifyAtMostOncePerPool,
  notifyReachesLivePools,
  notifyRequeuesBounded,
  notifyTopicIsolation,
} from "./notifications.js";
import { breakerOpenNoTraffic, deadPeerLeavesRouting } from "./routing.js";
import { curveRefusedNeverRun } from "./security.js";

export interface CheckInput {
  readonly ctx: SimContext;
  readonly cluster: Cluster;
  /** Virtual time the faults healed (start of the liveness phase). */
  readonly healUs: number;
}

export interface Checker {
  readonly name: string;
  /** One sentence: the property a passing run has. */
  readonly proves: string;
  /** Adds violations to input.ctx.violations; may return figures for the report. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a checker with no figures returns nothing
  check(input: CheckInput): Record<string, number> | void;
}

export { cleanShutdown } from "./lifecycle.js";
export { armDiscoveryProbe } from "./membership.js";

/** The checkers run after the liveness phase (clean-shutdown runs after the shutdown phase). */
export const CHECKERS: readonly Checker[] = [
  settleDeadline,
  replyRouting,
  atMostOnce,
  executedOncePerServer,
  noWorkAfterDeadline,
  ackedCastDelivered,
  nonIdempotentNeverTwice,
  fanoutCoverage,
  discoveryTtl,
  deadPeerLeavesRouting,
  breakerOpenNoTraffic,
  liveness,
  poolCap,
  notifyReachesLivePools,
  notifyAtMostOncePerPool,
  notifyRequeuesBounded,
  notifyTopicIsolation,
  curveRefusedNeverRun,
];
