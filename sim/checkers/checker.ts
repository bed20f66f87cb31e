/**
 * Checkers judge a run from the outside: they read the workload's CallLog, the endpoint's
 * ExecLog, the matchmaker's DiscoveryLog, the FaultLog and the simulated sockets' own
 * counters, never the driver's bookkeeping. Each states what it proves (spec/sim.md,
 * "Checkers") and adds Violations; a run passes when none is found.
 */
import type { Cluster } from "../cluster/cluster.js";
import type { SimContext } from "../context.js";

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
  check(input: CheckInput): Record<string, number> | void;
}
