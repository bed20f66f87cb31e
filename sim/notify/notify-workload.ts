/**
 * The notification workload (spec/sim.md, "Notifications"): Poisson publications from
 * random ready hosts to a random notification topic, through each host's Notifier. Before
 * each publication it records, from the cluster's matchmaker at that instant, which pools
 * are listed and which processes are their members (the ground truth the checkers judge
 * against); the info() promise records how it settled.
 */
import { notifyPoolsKey } from "../../src/core/target.js";
import type { Cluster } from "../cluster/cluster.js";
import type { SimContext } from "../context.js";
import { Prng } from "../prng.js";
import { NOTIFY_OUTCOME, type NotifyLog } from "./notify-log.js";
import { notifyTopicName, type NotifyWorkloadOptions } from "./notify-options.js";

export class NotifyWorkload {
  private readonly rng: Prng;
  issued = 0;
  skipped = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly cluster: Cluster,
    private readonly log: NotifyLog,
    private readonly o: NotifyWorkloadOptions,
  ) {
    this.rng = Prng.derive(ctx.options.seed, "notify-workload");
  }

  get done(): boolean {
    return this.issued + this.skipped >= this.o.count;
  }

  start(startUs: number): void {
    if (this.o.count > 0) this.ctx.scheduler.at(startUs, this.arriveFn);
  }

  private readonly arriveFn = (): void => this.arrive();

  private arrive(): void {
    const h = this.pickHost();
    if (h < 0) this.skipped++;
    else this.publish(h);
    if (!this.done)
      this.ctx.scheduler.after(Math.max(1, Math.round(this.rng.exponential(1e6 / this.o.ratePerSec))), this.arriveFn);
  }

  private pickHost(): number {
    const n = this.cluster.hosts.length;
    const first = this.rng.int(n);
    for (let k = 0; k < n; k++) {
      const h = (first + k) % n;
      if (this.cluster.ready(h) && this.cluster.hosts[h]!.node.notifications) return h;
    }
    return -1;
  }

  private publish(h: number): void {
    const { scheduler, trace } = this.ctx;
    const topic = this.rng.int(this.o.topics);
    const node = this.cluster.hosts[h]!.node;
    const pools = this.listedPools(topic);
    const n = this.log.publish({ host: h, incarnation: node.incarnation, topic, atUs: scheduler.nowUs, pools });
    this.issued++;
    trace.record("notify", n, h, topic, pools.size);
    node
      .notifications!.notifier(node.transport!, topic)
      .info({ n }, "sim.event", { n, topic })
      .then(
        () => this.settled(n, NOTIFY_OUTCOME.resolved),
        (err: unknown) => this.settled(n, NOTIFY_OUTCOME.rejected, (err as { code?: string }).code ?? "Error"),
      );
  }

  private settled(n: number, outcome: 1 | 2, error?: string): void {
    this.log.settle(n, outcome, error);
    this.ctx.trace.record("notified", n, this.log.published[n]!.host, outcome);
  }

  /** Pool identity -> member processes, as the cluster's matchmaker lists them now. */
  private listedPools(topic: number): Map<string, number[]> {
    const pools = new Map<string, number[]>();
    for (const entry of this.ctx.matchmaker.hostsNow(notifyPoolsKey({ topic: notifyTopicName(topic) }, "info"))) {
      const l = this.log.listeners.get(entry.slice(entry.indexOf("@") + 1));
      if (!l) continue;
      const members = pools.get(l.pool) ?? [];
      members.push(l.key);
      pools.set(l.pool, members);
    }
    return pools;
  }
}
