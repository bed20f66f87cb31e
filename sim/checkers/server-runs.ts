/**
 * Checkers of what servers ran, per server process (host and incarnation), from the
 * endpoint's ExecLog: no message id runs twice on one server, and no handler starts after
 * its request's deadline.
 */
import { serverOf } from "../history/exec-log.js";
import { localMs, skewBoundMs } from "../host-clock.js";
import type { Checker, CheckInput } from "./index.js";

/**
 * A server never runs one message twice, whatever reaches it: a copy of a request (a
 * client re-sending, the simulator's duplicate fault) is recognised by its message id.
 * The workload issues each request index under one message id, so a server that ran one
 * index twice ran one message id twice. Judged per process incarnation: a restarted
 * server has lost its memory of ids (and the global at-most-once checker still holds
 * calls and casts to one run in all).
 */
export const executedOncePerServer: Checker = {
  name: "executed-at-most-once-per-server",
  proves: "no server process runs one message id twice",
  check({ ctx }: CheckInput): void {
    const { exec, violations } = ctx;
    for (const [key, runs] of exec.byServer) {
      const seen = new Set<number>();
      for (let k = 0; k < runs.n.length; k++) {
        const n = runs.n[k]!;
        if (!seen.has(n)) {
          seen.add(n);
          continue;
        }
        const { host, incarnation } = serverOf(key);
        violations.add({
          checker: this.name,
          message: `h${host} (incarnation ${incarnation}) ran request #${n} again at ${(runs.atUs[k]! / 1000).toFixed(3)} ms`,
          atUs: runs.atUs[k]!,
          call: n,
        });
      }
    }
  },
};

/**
 * No handler starts after its request's deadline, judged on the caller's clock: the
 * server checks the deadline on its own wall clock, which may run ahead of or behind the
 * caller's by at most the skew the fault options allow (clockOffsetMsMax twice, plus
 * clockDriftPpmMax twice over the time elapsed: skewBoundMs). A start later than the
 * deadline plus that allowance is work the caller had given up on.
 */
export const noWorkAfterDeadline: Checker = {
  name: "no-work-after-deadline",
  proves: "no handler starts after its request's deadline on the caller's clock (plus the clock skew the faults allow)",
  check({ ctx, cluster }: CheckInput): { maxLateStartMs: number } {
    const { exec, calls, options, violations } = ctx;
    const f = options.faults;
    let worst = Number.NEGATIVE_INFINITY;
    for (const [key, runs] of exec.byServer) {
      for (let k = 0; k < runs.n.length; k++) {
        const n = runs.n[k]!;
        const atUs = runs.atUs[k]!;
        const caller = cluster.hosts[calls.host[n]!]!;
        const late = localMs(caller.time, atUs) - calls.deadlineLocalMs[n]!;
        if (late > worst) worst = late;
        const allowance = skewBoundMs(f.clockOffsetMsMax, f.clockDriftPpmMax, atUs);
        if (late <= allowance + 1e-6) continue;
        const { host } = serverOf(key);
        violations.add({
          checker: this.name,
          message: `h${host} started request #${n} (from h${calls.host[n]}) ${late.toFixed(3)} ms after its deadline on the caller's clock (allowance ${allowance.toFixed(3)} ms)`,
          atUs,
          call: n,
        });
      }
    }
    return { maxLateStartMs: Number.isFinite(worst) ? worst : 0 };
  },
};
