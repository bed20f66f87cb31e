/**
 * Every request settles exactly once, and no later than its deadline plus the stated slack
 * on the caller's own clock. Time the caller's process spent paused is added to the slack:
 * a blocked event loop runs its timers late, and the driver cannot do better.
 *
 * A JavaScript promise cannot settle twice, so "at most once" holds by construction of the
 * public API; the checker still counts settlement callbacks (a wrapper bug would show).
 * "At least once" for requests of live callers is the liveness checker's job.
 */
import { OUTCOME } from "../history/call-log.js";
import type { Checker, CheckInput } from "./checker.js";

export const settleDeadline: Checker = {
  name: "settle-by-deadline",
  proves: "every request settles exactly once, no later than deadline + slack on the caller's clock (plus time the caller was paused)",
  check({ ctx }: CheckInput): { maxLatenessMs: number } {
    const { calls, faults, options, violations } = ctx;
    const slack = options.checks.settleSlackMs;
    let worst = -Infinity;
    for (let i = 0; i < calls.size; i++) {
      const o = calls.outcome[i]!;
      if (o === OUTCOME.pending || o === OUTCOME.abandoned) continue;
      if (calls.settleCount[i]! > 1) violations.add({ checker: this.name, message: `request #${i} settled ${calls.settleCount[i]} times`, call: i });
      const pausedMs = (faults.pausedUs(calls.host[i]!, calls.issuedUs[i]!, calls.settledUs[i]!) / 1000) * 1.01;
      const late = calls.settledLocalMs[i]! - calls.deadlineLocalMs[i]!;
      if (late > worst) worst = late;
      if (late > slack + pausedMs) {
        violations.add({
          checker: this.name,
          message: `request #${i} (h${calls.host[i]}) settled ${late.toFixed(3)} ms after its deadline (slack ${slack} ms, paused ${pausedMs.toFixed(3)} ms)`,
          atUs: calls.settledUs[i]!,
          call: i,
        });
      }
    }
    return { maxLatenessMs: Number.isFinite(worst) ? worst : 0 };
  },
};
