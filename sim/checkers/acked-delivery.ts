/**
 * Checkers of acknowledged delivery (DriverOptions `acks`, RpcClient `idempotent`): what
 * an ACK promises and what moving a request to another server may cost. Ground truth is
 * the endpoint's ExecLog (which server process ran what), the simulated ROUTERs' ReadLog
 * (which server process read what, and when), the FaultLog and the exact host clocks;
 * the request's flags come from the workload's CallLog, never from the driver.
 */
import type { SimContext } from "../context.js";
import { KIND, OUTCOME } from "../history/call-log.js";
import { serverOf } from "../history/exec-log.js";
import { localMs } from "../host-clock.js";
import type { Cluster } from "../cluster/cluster.js";
import { copyMayHaveExpired, ServerQueues } from "./server-queues.js";
import type { Checker, CheckInput } from "./index.js";

/** For each request `keep(n)` accepts: the server processes (serverKey) that ran it, one entry per run. */
function runsByRequest(ctx: SimContext, keep: (n: number) => boolean): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [key, runs] of ctx.exec.byServer) {
    for (const n of runs.n) {
      if (!keep(n)) continue;
      let list = out.get(n);
      if (!list) {
        list = [];
        out.set(n, list);
      }
      list.push(key);
    }
  }
  return out;
}

const name = (key: number): string => {
  const s = serverOf(key);
  return `h${s.host}/${s.incarnation}`;
};

/**
 * A cast that resolved while acks were on was acknowledged by a server that accepted it,
 * so it ran: exactly once in all, or, when it was idempotent (and may have moved to
 * another server after its first one was believed dead), at least once and at most once
 * per server process.
 *
 * An ACK promises acceptance, not completion. An acknowledged cast may still never run
 * when a server process that read it in time crashed before running it (it waited in the
 * work gate), or when its deadline passed on that server's clock while it waited there
 * (the server drops it as expired: the read was in time, and no request read after it
 * started before the deadline; server-queues.ts). A cast no server read in time, or read
 * in time and overtook, is a violation: nothing could have acknowledged it.
 */
export const ackedCastDelivered: Checker = {
  name: "acked-cast-delivered",
  proves:
    "a cast resolved with acks on ran once (idempotent: at least once, once per server at most), unless its server crashed or it expired after accepting it",
  check({ ctx, cluster }: CheckInput): { ackedCasts: number } {
    const { calls, violations } = ctx;
    const judged = (n: number): boolean =>
      calls.kind[n] === KIND.cast && calls.acked(n) && calls.outcome[n] === OUTCOME.replied;
    const ran = runsByRequest(ctx, judged);
    const queues = new ServerQueues(ctx);
    let count = 0;
    for (let i = 0; i < calls.size; i++) {
      if (!judged(i)) continue;
      count++;
      const servers = ran.get(i) ?? [];
      let why: string | undefined;
      if (servers.length === 0) why = excuseUnrun(ctx, cluster, queues, i);
      else if (!calls.idempotent(i) && servers.length > 1) why = `ran ${servers.length} times (${servers.map(name)})`;
      else if (calls.idempotent(i)) {
        const twice = servers.find((k, j) => servers.indexOf(k) !== j);
        if (twice !== undefined) why = `ran twice on ${name(twice)}`;
      }
      if (why)
        violations.add({
          checker: this.name,
          message: `${calls.idempotent(i) ? "idempotent" : "non-idempotent"} cast #${i} from h${calls.host[i]} resolved with acks on but ${why}`,
          atUs: calls.settledUs[i]!,
          call: i,
        });
    }
    return { ackedCasts: count };
  },
};

/** Undefined when an acknowledged cast may legitimately not have run, else why it should have. */
function excuseUnrun(ctx: SimContext, cluster: Cluster, queues: ServerQueues, i: number): string | undefined {
  const { calls, reads, faults } = ctx;
  const readers: number[] = [];
  if (reads.firstServer[i]! >= 0) readers.push(reads.firstServer[i]!);
  for (const r of reads.more.get(i) ?? []) readers.push(r.server);
  if (readers.length === 0) return "never ran: no server read it";
  const reasons: string[] = [];
  for (const key of readers) {
    const { host, incarnation } = serverOf(key);
    const read = reads.readAt(i, key)!;
    const time = cluster.hosts[host]!.time;
    // The wire carries the deadline rounded down to the ms: a server whose clock reached
    // the caller's exact deadline dropped the copy at receipt, unacknowledged; one within
    // the ms before may have taken it (and let it expire in its gate: swarm seed 233).
    if (localMs(time, read.atUs) >= calls.deadlineLocalMs[i]!) {
      reasons.push(`${name(key)} read it after its deadline`);
      continue;
    }
    const crash = faults.crashes.find((c) => c.host === host && c.incarnation === incarnation && c.atUs >= read.atUs);
    if (crash) return undefined;
    const verdict = copyMayHaveExpired(ctx, queues.of(key), i, calls.deadlineLocalMs[i]!, time);
    if (verdict === "expired") return undefined;
    reasons.push(`${name(key)} ${verdict}`);
  }
  return `never ran: ${reasons.join("; ")}`;
}

/**
 * A request not marked idempotent runs on one server at most: the driver never moves it
 * to another server, whatever happened to the first (it fails with
 * MessageDeliveryFailure instead), and a resend to the same server is a duplicate it
 * recognises. Judged over calls and casts, acks on or off, per server process (a
 * restarted process is another server: it has forgotten the ids it saw). Fanouts go to
 * every server by design (at-most-once judges them per server).
 */
export const nonIdempotentNeverTwice: Checker = {
  name: "non-idempotent-never-twice",
  proves: "a call or cast not marked idempotent ran on one server process at most",
  check({ ctx }: CheckInput): void {
    const { calls, violations } = ctx;
    const ran = runsByRequest(ctx, (n) => calls.kind[n] !== KIND.fanout && !calls.idempotent(n));
    for (const [i, servers] of ran) {
      const distinct = [...new Set(servers)];
      if (distinct.length <= 1) continue;
      violations.add({
        checker: this.name,
        message: `non-idempotent ${calls.kind[i] === KIND.call ? "call" : "cast"} #${i} from h${calls.host[i]} (acks ${calls.acked(i) ? "on" : "off"}) ran on ${distinct.length} servers: ${distinct.map(name).join(", ")}`,
        call: i,
      });
    }
  },
};
