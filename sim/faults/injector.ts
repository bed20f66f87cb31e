/**
 * Applies a fault schedule to the running cluster: each action starts at its time and
 * ends after its duration; `heal()` (start of the liveness phase) ends everything still
 * active, restarts crashed hosts and drops actions not yet started. Every start and end
 * is traced and logged (FaultLog), which is what the report's fault timeline shows.
 */
import type { Cluster } from "../cluster/cluster.js";
import type { SimContext } from "../context.js";
import type { SimEvent } from "../scheduler.js";
import { FAULT_KINDS, faultDurationMs, faultHosts, type FaultAction } from "./actions.js";
import { recordCutLinks } from "./cut-links.js";

export class FaultInjector {
  private readonly ends = new Map<number, () => void>();
  private readonly pendingStarts: SimEvent[] = [];
  private redisDown = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly cluster: Cluster,
  ) {}

  schedule(actions: readonly FaultAction[]): void {
    actions.forEach((a, i) => {
      for (const h of faultHosts(a)) {
        if (!Number.isInteger(h) || h < 0 || h >= this.cluster.hosts.length)
          throw new RangeError(
            `fault #${i} (${a.kind}) names host ${h}, but the cluster has ${this.cluster.hosts.length}`,
          );
      }
      if ("proxy" in a && !(Number.isInteger(a.proxy) && a.proxy >= 0 && a.proxy < this.cluster.proxies.length))
        throw new RangeError(
          `fault #${i} (${a.kind}) names proxy ${a.proxy}, but the cluster has ${this.cluster.proxies.length}`,
        );
      this.pendingStarts.push(this.ctx.scheduler.at(a.atMs * 1000, () => this.start(i, a)));
    });
  }

  /** Ends every active fault, restarts crashed hosts, cancels faults not yet started. */
  heal(): void {
    for (const ev of this.pendingStarts.splice(0)) this.ctx.scheduler.cancel(ev);
    for (const end of [...this.ends.values()]) end();
    for (const h of this.cluster.hosts) if (!h.up) this.cluster.restart(h.index);
    for (const p of this.cluster.proxies) if (!p.up) p.restart();
    this.ctx.faults.healedAtUs = this.ctx.scheduler.nowUs;
  }

  private start(i: number, a: FaultAction): void {
    const { scheduler, trace, faults } = this.ctx;
    const applied = faults.started(i, a, scheduler.nowUs);
    const kind = FAULT_KINDS.indexOf(a.kind);
    const host = faultHosts(a)[0] ?? -1;
    trace.record("fault", i, kind, host, 1);
    recordCutLinks(this.ctx, this.cluster, i, a);
    const lift = this.apply(a, () => end());
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.ends.delete(i);
      scheduler.cancel(timer);
      applied.endUs = scheduler.nowUs;
      trace.record("fault", i, kind, host, 0);
      lift();
    };
    const d = faultDurationMs(a);
    const timer = d === null ? undefined : scheduler.after(d * 1000, end);
    this.ends.set(i, end);
  }

  /** Starts `a`; returns what lifts it. `end` ends the fault early (a crashAfter's restart). */
  private apply(a: FaultAction, end: () => void): () => void {
    const net = this.ctx.net.faults;
    switch (a.kind) {
      case "partition": {
        const side = new Uint8Array(this.ctx.net.hosts.length); // proxy hosts included: on side 0
        for (const h of a.hosts) side[h] = 1;
        return net.partition({ side, symmetric: a.symmetric });
      }
      case "isolate":
        return net.isolate(a.host, a.direction);
      case "clog":
        return net.clog(a.from, a.to);
      case "duplicate":
        return net.duplicate(a.from, a.to);
      case "crash":
        this.cluster.crash(a.host);
        return () => this.cluster.restart(a.host);
      case "restart":
        this.cluster.gracefulRestart(a.host);
        return () => undefined;
      case "pause":
        this.cluster.pause(a.host);
        return () => this.cluster.resume(a.host);
      case "freeze":
        this.cluster.freeze(a.host);
        return () => this.cluster.thaw(a.host);
      case "heartbeatLoss":
        return net.silence(a.from, a.to);
      case "delay":
        return this.ctx.net.oneWayDelay(a.from, a.to, Math.round(a.extraMs * 1000));
      case "slow":
        return this.cluster.hosts[a.host]!.behavior.startSlow(a.serviceMs);
      case "hang":
        return this.cluster.hosts[a.host]!.behavior.startHang();
      case "drop":
        return this.ctx.net.messages.drop(a.from, a.to ?? -1, a.message);
      case "crashAfter":
        return this.crashAfter(a, end);
      case "proxyCrash": {
        const p = this.cluster.proxies[a.proxy]!;
        p.crash();
        return () => p.restart();
      }
      case "proxyPartition":
        return this.cutProxy(a.proxy, a.hosts);
      case "proxySlow": {
        const p = this.cluster.proxies[a.proxy]!.netHost;
        const extraUs = Math.round(a.extraMs * 1000);
        const lifts = this.cluster.hosts.flatMap((h) => [
          this.ctx.net.oneWayDelay(p, h.index, extraUs),
          this.ctx.net.oneWayDelay(h.index, p, extraUs),
        ]);
        return () => {
          for (const lift of lifts) lift();
        };
      }
      case "redis":
        if (this.redisDown++ === 0) this.ctx.matchmaker.setAvailable(false);
        return () => {
          if (--this.redisDown === 0) this.ctx.matchmaker.setAvailable(true);
        };
    }
  }

  /** Cuts proxy `proxy` off from `hosts` both ways (every host when empty: isolated). */
  private cutProxy(proxy: number, hosts: readonly number[]): () => void {
    const net = this.ctx.net.faults;
    const p = this.cluster.proxies[proxy]!.netHost;
    if (hosts.length === 0) return net.isolate(p, "both");
    const lifts = hosts.flatMap((h) => [net.clog(p, h), net.clog(h, p)]);
    return () => {
      for (const lift of lifts) lift();
    };
  }

  /**
   * Arms a crash for the instant the host's next `message` reaches its peer. The crash is
   * an event of its own in that instant, after the delivery and its microtasks: the
   * message is in the peer's inbound queue by then, and the crash's reset travels behind
   * it (a waiting receive reads it after readLatencyMs, before the reset arrives, which
   * takes at least oneWayDelayMsMin). The restart ends the fault.
   */
  private crashAfter(a: Extract<FaultAction, { kind: "crashAfter" }>, end: () => void): () => void {
    const { scheduler } = this.ctx;
    let crashed = false;
    const disarm = this.ctx.net.messages.watch(a.host, a.to ?? -1, a.message, () => {
      scheduler.at(scheduler.nowUs, () => {
        if (crashed) return;
        crashed = true;
        this.cluster.crash(a.host);
        if (a.restartAfterMs !== null) scheduler.after(a.restartAfterMs * 1000, end);
      });
    });
    return () => {
      disarm();
      if (crashed) this.cluster.restart(a.host);
      crashed = true; // a crash still queued for this instant no longer happens
    };
  }
}
