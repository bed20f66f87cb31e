/**
 * Checkers of progress and resources: work drains after healing, the socket pool stays
 * within its cap, and shutdown leaves nothing behind.
 */
import { transportInternals } from "../../src/api/transport.js";
import { OUTCOME } from "../history/call-log.js";
import type { Checker, CheckInput } from "./index.js";

/**
 * Liveness after healing (VOPR's second phase): once every fault has ended and crashed
 * hosts restarted, all pending work drains. Every request of a caller that did not crash
 * has settled, every client engine has nothing pending, and the probe calls made after
 * healing (one per topic, once the TTL of stale registrations has run out) all got replies.
 */

export const liveness: Checker = {
  name: "liveness-after-healing",
  proves:
    "after the faults heal every request of a live caller settles, engines drain, and a fresh call to every topic succeeds",
  check({ ctx, cluster }: CheckInput): void {
    const { calls, violations } = ctx;
    let stuck = 0;
    for (let i = 0; i < calls.size; i++) {
      const o = calls.outcome[i]!;
      if (calls.probe[i] === 1) {
        if (o !== OUTCOME.replied) {
          violations.add({
            checker: this.name,
            message: `probe call #${i} from h${calls.host[i]} to t${calls.topic[i]} after healing ended ${["pending", "replied", "timed out", "failed", "abandoned"][o]}`,
            call: i,
          });
        }
      } else if (o === OUTCOME.pending && stuck++ < 20) {
        violations.add({ checker: this.name, message: `request #${i} from h${calls.host[i]} never settled`, call: i });
      }
    }
    if (stuck > 20) violations.add({ checker: this.name, message: `${stuck - 20} more requests never settled` });
    for (const h of cluster.hosts) {
      const engine = h.up && h.node.transport ? transportInternals(h.node.transport).engine : undefined;
      if (engine && engine.pendingCount > 0)
        violations.add({
          checker: this.name,
          message: `h${h.index} still has ${engine.pendingCount} pending requests after healing`,
        });
    }
  },
};

/**
 * The socket pool stays within its cap: the peak number of DEALER sockets a process had
 * open at once, counted by the simulated socket factory (ground truth, not the pool's own
 * counters), never exceeds the pool's maxSockets.
 *
 * Proxy routing mode: the pool's sockets are virtual (one per server, over the links), and
 * the process's DEALERs are its links, one per proxy for the client engine and for each
 * listener (spec/proxy.md, the N×P + M×P bound). The cap is then (1 + listeners) × the
 * proxy incarnations of the run: a link to a crashed proxy stays open until the matchmaker
 * stops listing it, while the link to its restarted incarnation opens.
 */

export const poolCap: Checker = {
  name: "pool-within-cap",
  proves: "no process ever has more outbound sockets open than pool.maxSockets",
  check({ ctx, cluster }: CheckInput): { peakOutboundSockets: number } {
    let peakAll = 0;
    const proxyIncarnations = cluster.proxies.reduce((n, p) => n + p.incarnation + 1, 0);
    for (const h of cluster.hosts) {
      for (const node of h.incarnations) {
        const listeners = (h.topic >= 0 ? 1 : 0) + (node.notifications ? 1 : 0);
        const cap =
          proxyIncarnations > 0 ? (1 + listeners) * proxyIncarnations : node.transport?.options.pool.maxSockets;
        const peak = node.proc.sockets.counts.peakOpenDealers;
        peakAll = Math.max(peakAll, peak);
        if (cap !== undefined && peak > cap) {
          ctx.violations.add({
            checker: this.name,
            message: `h${h.index} (incarnation ${node.incarnation}) had ${peak} outbound sockets open, cap ${cap}`,
          });
        }
      }
    }
    return { peakOutboundSockets: peakAll };
  },
};

/**
 * Clean shutdown: after Transport.close() on every live process and the network going
 * quiet, no process has a timer armed or a socket open. A leaked timer keeps a real
 * process alive; a leaked socket leaks descriptors.
 */

export const cleanShutdown: Checker = {
  name: "clean-shutdown",
  proves: "after Transport.close() every process has no timer armed and no socket open",
  check({ ctx, cluster }: CheckInput): void {
    for (const h of cluster.hosts) {
      if (!h.up) continue;
      const p = h.node.proc;
      if (p.clock.pending > 0)
        ctx.violations.add({
          checker: this.name,
          message: `h${h.index} has ${p.clock.pending} timers armed after close`,
        });
      const open = p.sockets.openSockets();
      if (open.length > 0)
        ctx.violations.add({
          checker: this.name,
          message: `h${h.index} has ${open.length} sockets open after close (${open.map((s) => s.kind).join(", ")})`,
        });
    }
  },
};
