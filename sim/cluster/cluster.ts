/**
 * The simulated cluster: hosts with addresses and clocks (each drifting within the fault
 * options' bounds), their current process incarnation (SimNode), the topology (which host
 * serves which topic, which topics each host calls), and the lifecycle faults act on:
 * crash, restart, pause, resume, freeze, thaw.
 */
import { listenKeys } from "../../src/core/target.js";
import type { SimContext } from "../context.js";
import type { CrashRecord } from "../history/fault-log.js";
import type { HostTime } from "../host-clock.js";
import { HostProcess } from "../host-process.js";
import { Prng } from "../prng.js";
import { topicCount } from "../options.js";
import { HostBehavior } from "./behavior.js";
import { SimProxy } from "./proxy-host.js";
import { serverName, SimNode, topicName, type HostSpec } from "./node.js";

export interface HostState extends HostSpec {
  readonly time: HostTime;
  /** Topics this host sends to. */
  readonly clientTopics: readonly number[];
  node: SimNode;
  up: boolean;
  /** A graceful restart is closing the current incarnation. */
  restarting: boolean;
  /** Every incarnation so far, oldest first (the current one last). */
  readonly incarnations: SimNode[];
}

export class Cluster {
  readonly hosts: HostState[] = [];
  /** Proxy hosts (proxy routing mode), on the network after the driver hosts. */
  readonly proxies: SimProxy[] = [];
  readonly topics: number;
  /** Server hosts of each topic. */
  readonly serversOfTopic: number[][];
  private starting: Promise<void>[] = [];
  /** closeAll() has begun: a graceful restart that finishes now leaves its host stopped. */
  private shuttingDown = false;
  /** Called after each crash (the discovery checker arms its TTL probe here). */
  onCrash: ((c: CrashRecord) => void) | undefined;

  constructor(private readonly ctx: SimContext) {
    const o = ctx.options;
    const c = o.cluster;
    this.topics = topicCount(c);
    this.serversOfTopic = Array.from({ length: this.topics }, () => []);
    const topo = Prng.derive(o.seed, "topology");
    for (let i = 0; i < c.hosts; i++) {
      const net = ctx.net.addHost();
      const topic = i < c.servers ? i % this.topics : -1;
      if (topic >= 0) this.serversOfTopic[topic]!.push(i);
      const drift =
        o.faults.clockDriftPpmMax > 0 ? topo.range(-o.faults.clockDriftPpmMax, o.faults.clockDriftPpmMax) : 0;
      const offset =
        o.faults.clockOffsetMsMax > 0 ? topo.float() * 2 * o.faults.clockOffsetMsMax - o.faults.clockOffsetMsMax : 0;
      const k = Math.min(this.topics, Math.max(1, c.topicsPerClient));
      const clientTopics = topo
        .shuffled([...Array(this.topics).keys()])
        .slice(0, k)
        .sort((a, b) => a - b);
      const spec: HostSpec = { index: i, ip: net.ip, behavior: new HostBehavior(), topic };
      const time: HostTime = { offsetMs: offset, driftPpm: drift };
      const node = this.makeNode(spec, time, 0);
      this.hosts.push({ ...spec, time, clientTopics, node, up: true, restarting: false, incarnations: [node] });
    }
    // Drawn from a stream of their own, after the hosts: a run without proxies is unchanged.
    const proxyClocks = Prng.derive(o.seed, "proxies");
    for (let p = 0; p < c.proxies; p++) {
      const net = ctx.net.addHost();
      const drift =
        o.faults.clockDriftPpmMax > 0 ? proxyClocks.range(-o.faults.clockDriftPpmMax, o.faults.clockDriftPpmMax) : 0;
      this.proxies.push(new SimProxy(ctx, p, net.index, net.ip, { offsetMs: 0, driftPpm: drift }));
    }
  }

  /** Starts every node; resolves when every server is bound and registered. */
  startAll(): Promise<void> {
    this.starting = [...this.proxies.map((p) => p.start()), ...this.hosts.map((h) => this.startNode(h))];
    return Promise.all(this.starting).then(() => undefined);
  }

  crash(h: number): void {
    const host = this.hosts[h]!;
    if (!host.up) return;
    host.restarting = false;
    const node = host.node;
    const address = node.address;
    if (node.proc.paused) this.ctx.faults.pauseEnded(h, this.ctx.scheduler.nowUs);
    node.crash();
    host.up = false;
    const keys = host.topic >= 0 ? listenKeys({ topic: topicName(host.topic), server: serverName(h) }) : [];
    this.ctx.faults.crashes.push({
      host: h,
      incarnation: node.incarnation,
      atUs: this.ctx.scheduler.nowUs,
      address,
      keys,
    });
    this.ctx.faults.ended.push({
      host: h,
      incarnation: node.incarnation,
      atUs: this.ctx.scheduler.nowUs,
      how: "crash",
    });
    this.ctx.calls.abandon(h, node.incarnation, this.ctx.scheduler.nowUs);
    this.ctx.notifies?.abandon(h, node.incarnation);
    this.ctx.trace.record("process", h, node.incarnation, 2);
    this.onCrash?.(this.ctx.faults.crashes[this.ctx.faults.crashes.length - 1]!);
  }

  /** Starts a new incarnation on a crashed host (new random stream, new port). */
  restart(h: number): void {
    const host = this.hosts[h]!;
    if (host.up) return;
    host.node = this.makeNode(host, host.time, host.node.incarnation + 1);
    host.incarnations.push(host.node);
    host.up = true;
    this.ctx.trace.record("process", h, host.node.incarnation, 1);
    void this.startNode(host);
  }

  /**
   * A rolling restart of one host: Transport.close() (the server deregisters, drains and
   * closes; the host's own pending requests fail with TransportClosed), then a new
   * incarnation starts. The host counts as not ready while it restarts. The incarnation
   * counts as ended from the moment it begins to stop: its server refuses new work from
   * then on (the close may outlast the run's checks). A close that finishes after the
   * cluster's shutdown began starts no new incarnation: closeAll() closed this one.
   */
  gracefulRestart(h: number): void {
    const host = this.hosts[h]!;
    if (!host.up || host.restarting) return;
    const old = host.node;
    host.restarting = true;
    this.ctx.trace.record("process", h, old.incarnation, 5);
    this.ctx.faults.ended.push({ host: h, incarnation: old.incarnation, atUs: this.ctx.scheduler.nowUs, how: "stop" });
    old.proc.enter(() => {
      void old.close().then(() => {
        host.restarting = false;
        if (host.node !== old || !host.up || this.shuttingDown) return; // crashed meanwhile, or shutting down
        host.up = false;
        this.restart(h);
      });
    });
  }

  pause(h: number): void {
    const host = this.hosts[h]!;
    if (!host.up || host.node.proc.paused) return;
    host.node.proc.pause();
    this.ctx.faults.pauseStarted(h, this.ctx.scheduler.nowUs);
    this.ctx.trace.record("process", h, host.node.incarnation, 3);
  }

  resume(h: number): void {
    const host = this.hosts[h]!;
    if (!host.node.proc.paused || host.node.proc.frozen) return; // a frozen process stays stopped
    this.ctx.faults.pauseEnded(h, this.ctx.scheduler.nowUs);
    this.ctx.trace.record("process", h, host.node.incarnation, 4);
    host.node.proc.resume();
  }

  /** The whole process stops (SIGSTOP): paused, and its I/O thread too (no heartbeat answered). */
  freeze(h: number): void {
    const host = this.hosts[h]!;
    const proc = host.node.proc;
    if (!host.up || proc.frozen) return;
    if (!proc.paused) this.ctx.faults.pauseStarted(h, this.ctx.scheduler.nowUs);
    this.ctx.trace.record("process", h, host.node.incarnation, 6);
    proc.freeze();
  }

  thaw(h: number): void {
    const host = this.hosts[h]!;
    if (!host.node.proc.frozen) return;
    this.ctx.faults.pauseEnded(h, this.ctx.scheduler.nowUs);
    this.ctx.trace.record("process", h, host.node.incarnation, 7);
    host.node.proc.thaw();
  }

  /** Hosts whose process is up and not paused, in index order. */
  ready(h: number): boolean {
    const host = this.hosts[h]!;
    return host.up && !host.restarting && !host.node.proc.paused && host.node.transport !== undefined;
  }

  /** Requests received by live servers and not finished yet (queued or running), from the listeners' counters. */
  pendingServerWork(): number {
    let n = 0;
    for (const h of this.hosts) {
      const st = h.up ? h.node.server?.stats : undefined;
      if (st) n += st.received - st.malformed - st.unsupported - st.refused - st.expired - st.duplicates - st.handled;
      if (h.up && h.node.notifications) n += h.node.notifications.pending(h.node.transport);
    }
    return n;
  }

  /** Closes every live transport (servers stop, sockets close). */
  closeAll(): Promise<void> {
    this.shuttingDown = true;
    return Promise.all([
      ...this.hosts.filter((h) => h.up).map((h) => h.node.close().catch(() => undefined)),
      ...this.proxies.map((p) => p.close()),
    ]).then(() => undefined);
  }

  private makeNode(spec: HostSpec, time: HostTime, incarnation: number): SimNode {
    const proc = new HostProcess(
      spec.index,
      incarnation,
      this.ctx.net,
      this.ctx.scheduler,
      this.ctx.trace,
      time,
      this.ctx.options.seed,
      this.ctx.options.cluster.timerGranularity,
    );
    proc.clock.onLivelock = (reads) =>
      this.ctx.violations.add({
        checker: "no-livelock",
        message: `h${spec.index} read its clock ${reads} times at ${(this.ctx.scheduler.nowUs / 1000).toFixed(3)} ms without virtual time moving (a microtask spin)`,
        atUs: this.ctx.scheduler.nowUs,
      });
    return new SimNode(this.ctx, spec, proc);
  }

  private startNode(h: HostState): Promise<void> {
    const node = h.node;
    return new Promise<void>((resolve) => {
      node.proc.enter(() => {
        node.start().then(resolve, (err: unknown) => {
          // A crashed or closing incarnation's start may fail: only a live one's is a fault.
          if (!node.proc.dead && !node.isClosing)
            this.ctx.violations.add({
              checker: "startup",
              message: `h${h.index} failed to start: ${String(err)}`,
              atUs: this.ctx.scheduler.nowUs,
            });
          resolve();
        });
      });
    });
  }
}
