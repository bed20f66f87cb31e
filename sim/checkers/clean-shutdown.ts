/**
 * Clean shutdown: after Transport.close() on every live process and the network going
 * quiet, no process has a timer armed or a socket open. A leaked timer keeps a real
 * process alive; a leaked socket leaks descriptors.
 */
import type { Checker, CheckInput } from "./checker.js";

export const cleanShutdown: Checker = {
  name: "clean-shutdown",
  proves: "after Transport.close() every process has no timer armed and no socket open",
  check({ ctx, cluster }: CheckInput): void {
    for (const h of cluster.hosts) {
      if (!h.up) continue;
      const p = h.node.proc;
      if (p.clock.pending > 0) ctx.violations.add({ checker: this.name, message: `h${h.index} has ${p.clock.pending} timers armed after close` });
      const open = p.sockets.openSockets();
      if (open.length > 0) ctx.violations.add({ checker: this.name, message: `h${h.index} has ${open.length} sockets open after close (${open.map((s) => s.kind).join(", ")})` });
    }
  },
};
