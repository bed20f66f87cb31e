/**
 * A small DSL for named regression scenarios, after TigerBeetle's replica_test.zig: a
 * readable title, a cluster, a workload, and faults at explicit times.
 *
 *   scenario("crash-server-restart", "crash: a server dies with calls in flight and comes back on a new port")
 *     .hosts(6, { serversPerTopic: 3 })
 *     .workload({ calls: 800, ratePerSec: 800, timeoutMs: 500 })
 *     .at(300).crash(1, { restartAfterMs: 400 })
 *     .build();
 *
 * Background fault rates default to none, so only the listed faults happen (a scenario
 * without listed faults plans random ones from its background rates instead). Hosts are
 * indexes (h0, h1, ...); times are virtual ms since the start of the run (requests start
 * after the 100 ms warm-up). A shrunk fast-check counterexample prints in this form
 * (describeFault), ready to become a named scenario once the bug is fixed.
 */
import type { FaultAction } from "../faults/actions.js";
import type { WireKind } from "../net/message-faults.js";
import { FAULTS_NONE, type FaultOptions } from "../faults/options.js";
import type { NotifyWorkloadOptions } from "../notify/notify-options.js";
import type { ClusterOptions, SimInput, SimOptions, WorkloadOptions } from "../options.js";
import type { SimCurveOptions } from "../cluster/sim-curve.js";

export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** Seed used when the caller gives none. */
  readonly seed: number;
  readonly input: SimInput;
}

type At = {
  partition(hosts: number[], o: { forMs: number; symmetric?: boolean }): ScenarioBuilder;
  isolate(host: number, o: { forMs: number; direction?: "in" | "out" | "both" }): ScenarioBuilder;
  clog(from: number, to: number, o: { forMs: number }): ScenarioBuilder;
  crash(host: number, o?: { restartAfterMs?: number | null }): ScenarioBuilder;
  restart(host: number): ScenarioBuilder;
  pause(host: number, o: { forMs: number }): ScenarioBuilder;
  /** Stops the whole process of `host` (SIGSTOP): its peers miss its heartbeats. */
  freeze(host: number, o: { forMs: number }): ScenarioBuilder;
  /** ZMTP heartbeats from `from` to `to` are lost for `forMs` while data passes. */
  heartbeatLoss(from: number, to: number, o: { forMs: number }): ScenarioBuilder;
  /** Messages from `from` to `to` take `extraMs` longer for `forMs`. */
  delay(from: number, to: number, o: { forMs: number; extraMs: number }): ScenarioBuilder;
  slow(host: number, o: { forMs: number; serviceMs: number }): ScenarioBuilder;
  hang(host: number, o: { forMs: number }): ScenarioBuilder;
  redisOutage(o: { forMs: number }): ScenarioBuilder;
  duplicate(from: number, to: number, o: { forMs: number }): ScenarioBuilder;
  /** Loses every `message` from host `from` (to host `to`, or to any host) for `forMs`. */
  drop(message: WireKind, o: { from: number; to?: number; forMs: number }): ScenarioBuilder;
  /**
   * Crashes `host` in the instant its next `message` reaches its peer (host `to` only, when
   * given); it restarts after `restartAfterMs` (null, the default: at healing).
   */
  crashAfter(host: number, message: WireKind, o?: { to?: number; restartAfterMs?: number | null }): ScenarioBuilder;
  /** Kills proxy `proxy` (p0, p1, …); it restarts on a new port after `restartAfterMs` (null, the default: at healing). */
  proxyCrash(proxy: number, o?: { restartAfterMs?: number | null }): ScenarioBuilder;
  /** Cuts proxy `proxy` off from driver hosts `hosts` both ways for `forMs` (an empty list: from every host). */
  proxyPartition(proxy: number, hosts: number[], o: { forMs: number }): ScenarioBuilder;
  /** Every message to and from proxy `proxy` takes `extraMs` longer for `forMs`. */
  proxySlow(proxy: number, o: { forMs: number; extraMs: number }): ScenarioBuilder;
};

export class ScenarioBuilder {
  private cluster: Partial<ClusterOptions> = {};
  private work: Partial<WorkloadOptions> = {};
  private drv: SimOptions["driver"] = {};
  private notify: Partial<NotifyWorkloadOptions> | undefined;
  private curveOptions: Partial<SimCurveOptions> | undefined;
  private background: Partial<FaultOptions> = {};
  private readonly actions: FaultAction[] = [];
  private seedValue = 1;

  constructor(
    private readonly name: string,
    private readonly title: string,
  ) {}

  hosts(n: number, o: Partial<Omit<ClusterOptions, "hosts">> = {}): this {
    this.cluster = { ...this.cluster, ...o, hosts: n };
    return this;
  }

  workload(o: Partial<WorkloadOptions>): this {
    this.work = { ...this.work, ...o };
    return this;
  }

  /** A notification workload besides the requests (sim/notify/notify-options.ts). */
  notifications(o: Partial<NotifyWorkloadOptions>): this {
    this.notify = { ...this.notify, ...o };
    return this;
  }

  /** CURVE in every process (sim/cluster/sim-curve.ts). */
  curve(o: Partial<SimCurveOptions>): this {
    this.curveOptions = { ...this.curveOptions, ...o };
    return this;
  }

  driver(o: SimOptions["driver"]): this {
    this.drv = { ...this.drv, ...o };
    return this;
  }

  /** Background fault options (delays, drift, HWM pressure, random faults). */
  faults(o: Partial<FaultOptions>): this {
    this.background = { ...this.background, ...o };
    return this;
  }

  seed(n: number): this {
    this.seedValue = n;
    return this;
  }

  at(atMs: number): At {
    const add = (a: FaultAction): ScenarioBuilder => {
      this.actions.push(a);
      return this;
    };
    return {
      partition: (hosts, o) =>
        add({
          kind: "partition",
          atMs,
          forMs: o.forMs,
          hosts: [...hosts].sort((a, b) => a - b),
          symmetric: o.symmetric ?? true,
        }),
      isolate: (host, o) => add({ kind: "isolate", atMs, forMs: o.forMs, host, direction: o.direction ?? "both" }),
      clog: (from, to, o) => add({ kind: "clog", atMs, forMs: o.forMs, from, to }),
      crash: (host, o = {}) =>
        add({ kind: "crash", atMs, host, restartAfterMs: o.restartAfterMs === undefined ? null : o.restartAfterMs }),
      restart: (host) => add({ kind: "restart", atMs, host }),
      pause: (host, o) => add({ kind: "pause", atMs, forMs: o.forMs, host }),
      freeze: (host, o) => add({ kind: "freeze", atMs, forMs: o.forMs, host }),
      heartbeatLoss: (from, to, o) => add({ kind: "heartbeatLoss", atMs, forMs: o.forMs, from, to }),
      delay: (from, to, o) => add({ kind: "delay", atMs, forMs: o.forMs, from, to, extraMs: o.extraMs }),
      slow: (host, o) => add({ kind: "slow", atMs, forMs: o.forMs, host, serviceMs: o.serviceMs }),
      hang: (host, o) => add({ kind: "hang", atMs, forMs: o.forMs, host }),
      redisOutage: (o) => add({ kind: "redis", atMs, forMs: o.forMs }),
      duplicate: (from, to, o) => add({ kind: "duplicate", atMs, forMs: o.forMs, from, to }),
      drop: (message, o) => add({ kind: "drop", atMs, forMs: o.forMs, from: o.from, to: o.to ?? null, message }),
      crashAfter: (host, message, o = {}) =>
        add({
          kind: "crashAfter",
          atMs,
          host,
          message,
          to: o.to ?? null,
          restartAfterMs: o.restartAfterMs === undefined ? null : o.restartAfterMs,
        }),
      proxyCrash: (proxy, o = {}) =>
        add({
          kind: "proxyCrash",
          atMs,
          proxy,
          restartAfterMs: o.restartAfterMs === undefined ? null : o.restartAfterMs,
        }),
      proxyPartition: (proxy, hosts, o) =>
        add({ kind: "proxyPartition", atMs, forMs: o.forMs, proxy, hosts: [...hosts].sort((a, b) => a - b) }),
      proxySlow: (proxy, o) => add({ kind: "proxySlow", atMs, forMs: o.forMs, proxy, extraMs: o.extraMs }),
    };
  }

  build(): Scenario {
    if (!/^[a-z0-9-]+$/.test(this.name))
      throw new RangeError(`scenario name ${JSON.stringify(this.name)} must be kebab-case`);
    return {
      name: this.name,
      title: this.title,
      seed: this.seedValue,
      input: {
        cluster: { ...this.cluster },
        workload: { ...this.work },
        driver: { ...this.drv },
        ...(this.notify ? { notifications: { ...this.notify } } : {}),
        ...(this.curveOptions ? { curve: { ...this.curveOptions } } : {}),
        faults: { ...FAULTS_NONE, ...this.background },
        // Listed faults replace the random ones; without any, the background rates plan them.
        ...(this.actions.length > 0 ? { schedule: [...this.actions].sort((a, b) => a.atMs - b.atMs) } : {}),
      },
    };
  }
}

export function scenario(name: string, title: string): ScenarioBuilder {
  return new ScenarioBuilder(name, title);
}
