/**
 * The socket pool stays within its cap: the peak number of DEALER sockets a process had
 * open at once, counted by the simulated socket factory (ground truth, not the pool's own
 * counters), never exceeds the pool's maxSockets.
 */
import type { Checker, CheckInput } from "./checker.js";

export const poolCap: Checker = {
  name: "pool-within-cap",
  proves: "no process ever has more outbound sockets open than pool.maxSockets",
  check({ ctx, cluster }: CheckInput): { peakOutboundSockets: number } {
    let peakAll = 0;
    for (const h of cluster.hosts) {
      for (const node of h.incarnations) {
        const cap = node.transport?.options.pool.maxSockets;
        const peak = node.proc.sockets.counts.peakOpenDealers;
        peakAll = Math.max(peakAll, peak);
        if (cap !== undefined && peak > cap) {
          ctx.violations.add({ checker: this.name, message: `h${h.index} (incarnation ${node.incarnation}) had ${peak} outbound sockets open, cap ${cap}` });
        }
      }
    }
    return { peakOutboundSockets: peakAll };
  },
};
