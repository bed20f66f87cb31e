/**
 * Checkers of cluster membership: fanouts reach the servers discovery listed, and crashed
 * hosts leave discovery within their TTL.
 */
import { topicKey } from "../../src/core/target.js";
import { topicName } from "../cluster/node.js";
import type { SimContext } from "../context.js";
import { KIND, OUTCOME } from "../history/call-log.js";
import { serverKey } from "../history/exec-log.js";
import type { CrashRecord } from "../history/fault-log.js";
import { copyMayHaveExpired, ServerQueues } from "./server-queues.js";
import type { Checker, CheckInput } from "./index.js";

/**
 * A fanout that resolved reached every live server of its topic once. "Live" is judged
 * from ground truth, not from the driver: a server counts if its address was listed in
 * the matchmaker before the fanout was issued and throughout [issued, settled], and its
 * process never ended afterwards: a crash may lose messages in flight, a stopping server
 * refuses new work (so an incarnation counts as ended from the moment it began to stop,
 * which may be long before its stop finishes), and an unlisted server is legitimately
 * skipped. A server registered
 * in the very microsecond of the issue is not judged: the fanout's host list is a
 * snapshot, and the registration may have come after it within that microsecond (the
 * healing that restarts crashed servers often runs at the instant of the last issue). A
 * fanout whose caller ended later is not judged either: resolving means the messages
 * were queued, and a crash resets the caller's connections with whatever was still in
 * flight.
 * Partitions and pauses only delay delivery; the liveness phase waits for it, unless the
 * connection is closed meanwhile (its heartbeats time out): what was still on the wire to
 * the server is then lost, as TCP loses it, and a fanout that resolved when its copy was
 * accepted (acks off) did not reach that server. A copy the server never read is excused
 * when the simulated network discarded it so (ReadLog `wasLostOnWire`).
 *
 * A server drops a request whose deadline has passed on its own wall clock, fanout copies
 * included, so a copy it read too late, or that waited in its work gate until too late,
 * may legitimately never run. Ground truth for that is the simulated ROUTER's ReadLog and
 * the exact host clocks (server-queues.ts): a missing copy is a violation when the server
 * never read it, or read it in time and then started a request read after it while the
 * deadline was still ahead on its clock (the work gate starts requests in arrival order).
 *
 * Proxy routing mode (spec/proxy.md, "Fanout through the publisher"): a fanout is one
 * publish through one proxy, which reaches the servers connected and subscribed to it
 * then. A fault anywhere (a proxy crashed or restarted, cut off from some servers, a
 * server's link reconnecting and subscribing again) legitimately leaves servers out, and
 * the ground truth of which links were up is the proxy's, not the matchmaker's. So in
 * proxy mode the checker judges the fanouts of quiet times only: no fault in force from
 * one registration TTL before the issue (the time for every process to learn the proxies
 * as they now are) until the fanout settled; those must reach every live listed server.
 * Without acks a fanout settles as its link takes it, and a proxy that fails after that
 * loses it: it is not published again (a server restarted meanwhile would run it twice;
 * spec/proxy.md, "What changes in the guarantees"), so the quiet time then lasts until its
 * deadline, after which no server would run it anyway.
 */

export const fanoutCoverage: Checker = {
  name: "fanout-reaches-live-servers",
  proves: "a resolved fanout ran exactly once on every server continuously listed for its topic that stayed alive",
  check({ ctx, cluster }: CheckInput): void {
    const { calls, exec, discovery, faults, violations } = ctx;
    const crashedIncarnations = new Set(faults.ended.map((c) => `${c.host}/${c.incarnation}`));
    const queues = new ServerQueues(ctx);
    const quiet = quietWindows(ctx);
    // Without acks, until the deadline: a proxy failing after the send loses the fanout.
    const afterSettleUs = ctx.options.driver.acks ? 0 : ctx.options.workload.timeoutMs * 1000;
    for (let i = 0; i < calls.size; i++) {
      if (calls.kind[i] !== KIND.fanout || calls.outcome[i] !== OUTCOME.replied) continue;
      if (quiet && !quiet(calls.issuedUs[i]!, calls.settledUs[i]! + afterSettleUs)) continue;
      if (crashedIncarnations.has(`${calls.host[i]}/${calls.incarnation[i]}`)) continue;
      const t = calls.topic[i]!;
      const key = topicKey({ topic: topicName(t) });
      const ran = exec.fanoutHosts.get(i) ?? [];
      for (const s of cluster.serversOfTopic[t] ?? []) {
        for (const node of cluster.hosts[s]!.incarnations) {
          const address = node.address;
          if (!address || crashedIncarnations.has(`${s}/${node.incarnation}`)) continue;
          if (!discovery.listedThroughout(key, address, calls.issuedUs[i]!, calls.settledUs[i]!)) continue;
          if (!ran.includes(s)) {
            const q = queues.of(serverKey(s, node.incarnation));
            const why = copyMayHaveExpired(ctx, q, i, calls.deadlineLocalMs[i]!, cluster.hosts[s]!.time);
            if (why === "expired") continue;
            if (why === "the server never read it" && ctx.reads.wasLostOnWire(i, serverKey(s, node.incarnation)))
              continue;
            violations.add({
              checker: this.name,
              message: `fanout #${i} to t${t} resolved but never ran on live server h${s} (${address}): ${why}`,
              atUs: calls.settledUs[i]!,
              call: i,
            });
          }
        }
      }
    }
  },
};

/**
 * In proxy mode, whether [fromUs, toUs] is quiet: no fault in force from one registration
 * TTL (or 3 s without TTL) before `fromUs` to `toUs`. Direct mode: undefined (every fanout is judged).
 */
function quietWindows(ctx: SimContext): ((fromUs: number, toUs: number) => boolean) | undefined {
  if (ctx.options.cluster.proxies === 0) return undefined;
  const leadUs = (ctx.options.driver.registrationTtlMs ?? 3000) * 1000;
  const spans = ctx.faults.applied.map((f) => [f.startUs, Number.isNaN(f.endUs) ? Infinity : f.endUs] as const);
  return (fromUs, toUs) => spans.every(([s, e]) => e < fromUs - leadUs || s > toUs);
}

/**
 * A crashed host leaves discovery within its TTL: ttl (+ slack) after the crash, none of
 * the dead process's keys lists its address any more (checked against the cluster's
 * matchmaker itself, by an event armed at the crash), and no registration of that address
 * was sent after the crash (a zombie registration). A refresh sent before the crash may
 * land after it, half a matchmaker round trip later, as a Redis command already on the
 * wire does: that is no zombie, and its TTL runs from when it landed, which the slack
 * covers (1 ms: half the swarm's largest round trip, 2 ms). Without TTL registrations a
 * crashed server stays listed forever by design; the checker then only looks for zombies.
 */

const NAME = "crashed-host-leaves-discovery";

/** Arms the TTL probe for one crash (called by the cluster at crash time). */
export function armDiscoveryProbe(ctx: SimContext, crash: CrashRecord): void {
  const ttl = ctx.options.driver.registrationTtlMs;
  if (ttl === null || ttl === undefined || !crash.address) return;
  const address = crash.address;
  const dueUs = crash.atUs + (ttl + ctx.options.checks.discoverySlackMs) * 1000;
  ctx.scheduler.at(dueUs, () => {
    for (const key of crash.keys) {
      if (ctx.matchmaker.hostsNow(key).includes(address)) {
        ctx.violations.add({
          checker: NAME,
          message: `h${crash.host} crashed at ${(crash.atUs / 1000).toFixed(3)} ms but ${address} is still listed under ${key} ${ttl} ms later`,
          atUs: dueUs,
        });
      }
    }
  });
}

export const discoveryTtl: Checker = {
  name: NAME,
  proves: "ttl after a crash the dead address is gone from every key it served, and it is never registered again",
  check({ ctx }: CheckInput): void {
    for (const c of ctx.faults.crashes) {
      if (!c.address) continue;
      const last = ctx.discovery.lastRegistrationSentUs(c.address);
      if (last !== undefined && last > c.atUs) {
        ctx.violations.add({
          checker: NAME,
          message: `${c.address} (h${c.host}, crashed at ${(c.atUs / 1000).toFixed(3)} ms) was registered again by a request sent at ${(last / 1000).toFixed(3)} ms`,
          atUs: last,
        });
      }
    }
  },
};
