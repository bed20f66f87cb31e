/**
 * The workload: Poisson arrivals of requests over the whole cluster, each from a random
 * ready host (up, not paused) to one of that host's topics: calls, casts and fanouts in the
 * configured mix, some addressed to a named server. Every request carries its CallLog
 * index `n`; the outcome is recorded by the callbacks on the promise the public RpcClient
 * API returns. Probes (liveness phase) are calls from one ready host to every topic.
 */
import type { Cluster } from "./cluster/cluster.js";
import type { EchoReply } from "./cluster/endpoint.js";
import type { SimContext } from "./context.js";
import { FLAG, KIND, OUTCOME, type KindCode } from "./history/call-log.js";
import { acksOn } from "./options.js";
import { Prng } from "./prng.js";

export class Workload {
  private readonly rng: Prng;
  /** Draws which calls and casts are idempotent (a stream of its own: the others stay as they were). */
  private readonly idempotentRng: Prng | undefined;
  /** FLAG.acks when the processes use acknowledged delivery, else 0. */
  private readonly ackFlag: number;
  private readonly pad: string;
  private readonly weights: number[];
  issued = 0;
  skipped = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly cluster: Cluster,
  ) {
    this.rng = Prng.derive(ctx.options.seed, "workload");
    this.idempotentRng =
      ctx.options.workload.idempotentRatio > 0 ? Prng.derive(ctx.options.seed, "workload/idempotent") : undefined;
    this.ackFlag = acksOn(ctx.options) ? FLAG.acks : 0;
    this.pad = "x".repeat(Math.max(0, ctx.options.workload.payloadBytes));
    const m = ctx.options.workload.mix;
    const total = m.call + m.cast + m.fanout;
    if (!(total > 0)) throw new RangeError("workload mix must have a positive weight");
    this.weights = [m.call / total, (m.call + m.cast) / total];
  }

  get done(): boolean {
    return this.issued + this.skipped >= this.ctx.options.workload.calls;
  }

  /** Schedules the arrivals, the first one at `startUs`. */
  start(startUs: number): void {
    if (this.ctx.options.workload.calls <= 0) return;
    this.ctx.scheduler.at(startUs, this.arriveFn);
  }

  /** One probe call per topic, from the first ready host at or after `from`. */
  probe(from: number, timeoutMs: number): number {
    const hosts = this.cluster.hosts.length;
    let sent = 0;
    for (let t = 0; t < this.cluster.topics; t++) {
      for (let k = 0; k < hosts; k++) {
        const h = (from + t + k) % hosts;
        if (!this.cluster.ready(h) || this.ctx.curve?.refused.has(h)) continue; // a refused client is never served
        this.issue(h, KIND.call, t, -1, true, timeoutMs);
        sent++;
        break;
      }
    }
    return sent;
  }

  private readonly arriveFn = (): void => this.arrive();

  private arrive(): void {
    const w = this.ctx.options.workload;
    const h = this.pickHost();
    if (h < 0) this.skipped++;
    else for (let b = 0; b < w.burst && (b === 0 || !this.done); b++) this.arriveAt(h);
    if (!this.done)
      this.ctx.scheduler.after(Math.max(1, Math.round(this.rng.exponential(1e6 / w.ratePerSec))), this.arriveFn);
  }

  /** One request of an arrival at host `h`: its kind, topic and server drawn. */
  private arriveAt(h: number): void {
    const w = this.ctx.options.workload;
    const host = this.cluster.hosts[h]!;
    const r = this.rng.float();
    const kind: KindCode = r < this.weights[0]! ? KIND.call : r < this.weights[1]! ? KIND.cast : KIND.fanout;
    const topic = this.rng.pick(host.clientTopics);
    const servers = this.cluster.serversOfTopic[topic]!;
    const server =
      kind !== KIND.fanout && servers.length > 0 && this.rng.bernoulli(w.directedRatio) ? this.rng.pick(servers) : -1;
    this.issue(h, kind, topic, server, false, w.timeoutMs);
  }

  private pickHost(): number {
    const n = this.cluster.hosts.length;
    const first = this.rng.int(n);
    for (let k = 0; k < n; k++) {
      const h = (first + k) % n;
      if (this.cluster.ready(h)) return h;
    }
    return -1;
  }

  private issue(h: number, kind: KindCode, topic: number, server: number, probe: boolean, timeoutMs: number): void {
    const { calls, scheduler, trace, options } = this.ctx;
    const node = this.cluster.hosts[h]!.node;
    const clock = node.proc.clock;
    const idempotent =
      !probe && kind !== KIND.fanout && this.idempotentRng?.bernoulli(options.workload.idempotentRatio) === true;
    const flags = (idempotent ? FLAG.idempotent : 0) | this.ackFlag;
    const i = calls.add({
      host: h,
      incarnation: node.incarnation,
      kind,
      topic,
      server,
      probe,
      issuedUs: scheduler.nowUs,
      issuedLocalMs: clock.nowMs(),
      timeoutMs,
      flags,
    });
    if (!probe) this.issued++;
    trace.record("issue", i, h, kind | (flags << 2), topic);
    const base =
      kind === KIND.fanout
        ? node.fanoutClient(topic)
        : idempotent
          ? node.idempotentClient(topic, server)
          : node.client(topic, server);
    // A probe asks whether the healed cluster serves a call before its deadline, so it may
    // be sent again after a failed send, whatever retry the world drew: with retry 0 and a
    // send timeout shorter than a first connection takes, one send to a host the client
    // had no connection to would fail it (swarm seed 30221).
    const client = probe
      ? base.prepare({ timeoutMs, retry: null })
      : timeoutMs === options.workload.timeoutMs
        ? base
        : base.prepare({ timeoutMs });
    const args = { n: i, pad: this.pad };
    const ctxArg = { request: i };
    const p: Promise<unknown> =
      kind === KIND.call
        ? client.call(ctxArg, "echo", args)
        : kind === KIND.cast
          ? client.cast(ctxArg, "echo", args)
          : client.cast(ctxArg, "echo", args);
    p.then(
      (value) => {
        if (kind === KIND.call) {
          const v = value as EchoReply | null;
          calls.reply(
            i,
            typeof v?.n === "number" ? v.n : NaN,
            typeof v?.s === "number" ? v.s : -1,
            typeof v?.t === "number" ? v.t : -1,
          );
        }
        this.settled(i, OUTCOME.replied, clock.nowMs());
      },
      (err: unknown) => {
        const e = err as { code?: string; name?: string; host?: unknown };
        calls.rejected(i, {
          name: e.name ?? "Error",
          code: e.code,
          host: typeof e.host === "string" ? e.host : undefined,
        });
        const now = clock.nowMs();
        const late = now >= calls.deadlineLocalMs[i]! - 1e-6;
        const timedOut = e.code === "MessagingTimeout" || (e.code === "MessageDeliveryFailure" && late);
        if (!timedOut) calls.error(e.name ?? e.code ?? "Error");
        this.settled(i, timedOut ? OUTCOME.timedOut : OUTCOME.failed, now);
      },
    );
  }

  private settled(i: number, outcome: 1 | 2 | 3, localMs: number): void {
    const { calls, scheduler, trace } = this.ctx;
    calls.settle(i, outcome, scheduler.nowUs, localMs);
    trace.record("settle", i, calls.host[i]!, outcome, scheduler.nowUs - calls.issuedUs[i]!);
  }
}
