/**
 * What a server process did with the requests it read, for the checkers: its reads
 * (ReadLog, recorded by the simulated ROUTER) and its handler runs (ExecLog) side by side,
 * so that a request that never ran can be told apart as "dropped because its deadline had
 * passed" (the driver's rule, spec/server.md) or "lost". The host clocks are exact ground
 * truth here: the simulator knows each host's offset and drift.
 */
import type { SimContext } from "../context.js";
import { localMs, type HostTime } from "../host-clock.js";

/** One server process's handler starts ordered by the read position of their request. */
export interface ServerQueue {
  readonly key: number;
  /** Read positions of the requests that ran, ascending. */
  readonly seq: Float64Array;
  /** laterStartUs[j]: earliest start among the runs at positions >= j of `seq` (Infinity past the end). */
  readonly laterStartUs: Float64Array;
}

export class ServerQueues {
  private readonly cache = new Map<number, ServerQueue>();

  constructor(private readonly ctx: Pick<SimContext, "reads" | "exec">) {}

  of(key: number): ServerQueue {
    let q = this.cache.get(key);
    if (!q) {
      q = this.build(key);
      this.cache.set(key, q);
    }
    return q;
  }

  private build(key: number): ServerQueue {
    const runs = this.ctx.exec.byServer.get(key);
    const pairs: [number, number][] = [];
    const seen = new Set<number>();
    if (runs) {
      for (let k = 0; k < runs.n.length; k++) {
        const n = runs.n[k]!;
        if (seen.has(n)) continue; // a second run: its request entered the gate at its first read
        seen.add(n);
        const r = this.ctx.reads.readAt(n, key);
        if (r !== undefined) pairs.push([r.seq, runs.atUs[k]!]);
      }
    }
    pairs.sort((a, b) => a[0] - b[0]);
    const seq = new Float64Array(pairs.length);
    const laterStartUs = new Float64Array(pairs.length + 1).fill(Number.POSITIVE_INFINITY);
    for (let j = pairs.length - 1; j >= 0; j--) {
      seq[j] = pairs[j]![0];
      laterStartUs[j] = Math.min(laterStartUs[j + 1]!, pairs[j]![1]);
    }
    return { key, seq, laterStartUs };
  }
}

/** The first position in ascending `seq` whose value is greater than `x`. */
function firstAbove(seq: Float64Array, x: number): number {
  let lo = 0;
  let hi = seq.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seq[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Why request `n` may not have run on this server: "expired" when the server may have
 * dropped it as past its deadline, else the reason it should have run. `deadlineLocalMs`
 * is the caller's deadline on the caller's clock; the request carried it on the wall
 * clock of the same host (rounded down, hence the 1 ms), and the server compares it with
 * its own.
 */
export function copyMayHaveExpired(
  ctx: Pick<SimContext, "reads">,
  q: ServerQueue,
  n: number,
  deadlineLocalMs: number,
  serverTime: HostTime,
): "expired" | string {
  const read = ctx.reads.readAt(n, q.key);
  if (read === undefined) return "the server never read it";
  const due = deadlineLocalMs - 1;
  if (localMs(serverTime, read.atUs) >= due) return "expired";
  // The work gate starts requests in arrival order: a request read later that started
  // while the deadline was still ahead means this one was started, or dropped, earlier.
  const laterUs = q.laterStartUs[firstAbove(q.seq, read.seq)]!;
  if (Number.isFinite(laterUs) && localMs(serverTime, laterUs) < due)
    return `read in time at ${(read.atUs / 1000).toFixed(3)} ms, and a request read after it started at ${(laterUs / 1000).toFixed(3)} ms, before the deadline`;
  return "expired";
}
