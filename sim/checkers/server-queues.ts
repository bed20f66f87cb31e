/**
 * What a server process did with the requests it read, for the checkers: its reads
 * (ReadLog, recorded by the simulated ROUTER) and its handler runs (ExecLog) side by side,
 * so that a request that never ran can be told apart as "dropped because its deadline had
 * passed" (the driver's rule, spec/server.md) or "lost". The host clocks are exact ground
 * truth here: the simulator knows each host's offset and drift.
 */
import type { SimContext } from "../context.js";
import type { ServerRuns } from "../history/exec-log.js";
import { localMs, type HostTime } from "../host-clock.js";

/** One server process's reads in order, with the earliest handler start among the requests read after each. */
export interface ServerQueue {
  readonly reads: ServerRuns | undefined;
  /** Request index -> position of its first read. */
  readonly firstRead: Map<number, number>;
  /** laterStartUs[j]: earliest handler start of a request first read at a position >= j (Infinity: none ran). */
  readonly laterStartUs: Float64Array;
}

export class ServerQueues {
  private readonly cache = new Map<number, ServerQueue>();

  constructor(private readonly ctx: Pick<SimContext, "reads" | "exec">) {}

  of(key: number): ServerQueue {
    let q = this.cache.get(key);
    if (!q) {
      q = build(this.ctx.reads.byServer.get(key), this.ctx.exec.byServer.get(key));
      this.cache.set(key, q);
    }
    return q;
  }
}

function build(reads: ServerRuns | undefined, runs: ServerRuns | undefined): ServerQueue {
  const firstRead = new Map<number, number>();
  const started = new Map<number, number>();
  if (runs) for (let k = runs.n.length - 1; k >= 0; k--) started.set(runs.n[k]!, runs.atUs[k]!);
  const len = reads?.n.length ?? 0;
  for (let j = 0; j < len; j++) if (!firstRead.has(reads!.n[j]!)) firstRead.set(reads!.n[j]!, j);
  // A copy read again later (a duplicate) entered the work gate at its first read only.
  const laterStartUs = new Float64Array(len + 1).fill(Number.POSITIVE_INFINITY);
  for (let j = len - 1; j >= 0; j--) {
    const n = reads!.n[j]!;
    const start = firstRead.get(n) === j ? (started.get(n) ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    laterStartUs[j] = Math.min(laterStartUs[j + 1]!, start);
  }
  return { reads, firstRead, laterStartUs };
}

/**
 * Why request `n` may not have run on this server: "expired" when the server may have
 * dropped it as past its deadline, else the reason it should have run. `deadlineLocalMs`
 * is the caller's deadline on the caller's clock; the request carried it on the wall
 * clock of the same host (rounded down, hence the 1 ms), and the server compares it with
 * its own.
 */
export function copyMayHaveExpired(
  q: ServerQueue,
  n: number,
  deadlineLocalMs: number,
  serverTime: HostTime,
): "expired" | string {
  const j = q.firstRead.get(n);
  if (j === undefined || !q.reads) return "the server never read it";
  const due = deadlineLocalMs - 1;
  const readUs = q.reads.atUs[j]!;
  if (localMs(serverTime, readUs) >= due) return "expired";
  const laterUs = q.laterStartUs[j + 1]!;
  if (Number.isFinite(laterUs) && localMs(serverTime, laterUs) < due)
    return `read in time at ${(readUs / 1000).toFixed(3)} ms, and a request read after it started at ${(laterUs / 1000).toFixed(3)} ms, before the deadline`;
  return "expired";
}
