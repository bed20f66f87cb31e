/**
 * A fanout that resolved reached every live server of its topic once. "Live" is judged
 * from ground truth, not from the driver: a server counts if its address was listed in
 * the matchmaker throughout [issued, settled] and its process never ended afterwards: a
 * crash may lose messages in flight, a stopping server refuses new work, and an unlisted
 * server is legitimately skipped. A fanout whose caller ended later is not judged either:
 * resolving means the messages were queued, and a crash resets the caller's connections
 * with whatever was still in flight.
 * Partitions and pauses only delay delivery; the liveness phase waits for it.
 */
import { topicKey } from "../../src/core/target.js";
import { topicName } from "../cluster/node.js";
import { KIND, OUTCOME } from "../history/call-log.js";
import type { Checker, CheckInput } from "./checker.js";

export const fanoutCoverage: Checker = {
  name: "fanout-reaches-live-servers",
  proves: "a resolved fanout ran exactly once on every server continuously listed for its topic that stayed alive",
  check({ ctx, cluster }: CheckInput): void {
    const { calls, exec, discovery, faults, violations } = ctx;
    const crashedIncarnations = new Set(faults.ended.map((c) => `${c.host}/${c.incarnation}`));
    for (let i = 0; i < calls.size; i++) {
      if (calls.kind[i] !== KIND.fanout || calls.outcome[i] !== OUTCOME.replied) continue;
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
            violations.add({ checker: this.name, message: `fanout #${i} to t${t} resolved but never ran on live server h${s} (${address})`, atUs: calls.settledUs[i]!, call: i });
          }
        }
      }
    }
  },
};
