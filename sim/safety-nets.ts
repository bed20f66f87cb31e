/**
 * Failures that show up outside the checkers' logs: an unhandled promise rejection in
 * driver code, and a process that spins on microtasks (see ProcessClock's livelock
 * guard). Both become violations of the run instead of crashing or hanging the simulator.
 * The rejection hook is process-wide; it is installed for the duration of one run only.
 */
import type { SimContext } from "./context.js";

export function installSafetyNets(ctx: SimContext): () => void {
  const onRejection = (reason: unknown): void => {
    ctx.violations.add({ checker: "no-unhandled-rejection", message: `unhandled rejection: ${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`, atUs: ctx.scheduler.nowUs });
  };
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("unhandledRejection", onRejection);
  };
}
