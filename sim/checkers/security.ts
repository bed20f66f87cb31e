/**
 * CURVE (SimOptions.curve, sim/cluster/sim-curve.ts): a client whose key no server allows
 * gets nothing read or run, anywhere, and none of its requests is answered; every other
 * client is served as without CURVE (the other checkers hold that).
 */
import { OUTCOME } from "../history/call-log.js";
import type { Checker, CheckInput } from "./index.js";

export const curveRefusedNeverRun: Checker = {
  name: "curve-refused-never-run",
  proves: "no request of a client whose CURVE key is refused is ever read, run or answered by a server",
  check({ ctx }: CheckInput): Record<string, number> | undefined {
    const refused = ctx.curve?.refused;
    if (!refused || refused.size === 0) return undefined;
    const { calls, exec, reads, violations } = ctx;
    let requests = 0;
    for (let n = 0; n < calls.size; n++) {
      if (!refused.has(calls.host[n]!)) continue;
      requests++;
      const what = reads.wasRead(n)
        ? "was read by a server"
        : exec.runs[n]! > 0
          ? "ran on a server"
          : calls.outcome[n] === OUTCOME.replied
            ? "was answered"
            : undefined;
      if (what)
        violations.add({
          checker: this.name,
          message: `request #${n} from h${calls.host[n]}, whose key no server allows, ${what}`,
          call: n,
        });
    }
    return { refusedClientRequests: requests };
  },
};
