/**
 * Liveness after healing (VOPR's second phase): once every fault has ended and crashed
 * hosts restarted, all pending work drains. Every request of a caller that did not crash
 * has settled, every client engine has nothing pending, and the probe calls made after
 * healing (one per topic, once the TTL of stale registrations has run out) all got replies.
 */
import { OUTCOME } from "../history/call-log.js";
import type { Checker, CheckInput } from "./checker.js";

export const liveness: Checker = {
  name: "liveness-after-healing",
  proves: "after the faults heal every request of a live caller settles, engines drain, and a fresh call to every topic succeeds",
  check({ ctx, cluster }: CheckInput): void {
    const { calls, violations } = ctx;
    let stuck = 0;
    for (let i = 0; i < calls.size; i++) {
      const o = calls.outcome[i]!;
      if (calls.probe[i] === 1) {
        if (o !== OUTCOME.replied) {
          violations.add({ checker: this.name, message: `probe call #${i} from h${calls.host[i]} to t${calls.topic[i]} after healing ended ${["pending", "replied", "timed out", "failed", "abandoned"][o]}`, call: i });
        }
      } else if (o === OUTCOME.pending && stuck++ < 20) {
        violations.add({ checker: this.name, message: `request #${i} from h${calls.host[i]} never settled`, call: i });
      }
    }
    if (stuck > 20) violations.add({ checker: this.name, message: `${stuck - 20} more requests never settled` });
    for (const h of cluster.hosts) {
      const engine = h.up ? h.node.transport?.engine : undefined;
      if (engine && engine.pendingCount > 0) violations.add({ checker: this.name, message: `h${h.index} still has ${engine.pendingCount} pending requests after healing` });
    }
  },
};
