/**
 * One simulated proxy host (spec/proxy.md, spec/sim.md "Proxy mode"): the unmodified
 * ProxyShell (src/driver/proxy-shell.ts) on a host process of its own, with the
 * simulator's sockets, clock, random stream and matchmaker view, exactly as the driver
 * nodes get them. Proxy hosts come after the driver hosts on the network (net index
 * `hosts + p`), so a run without proxies keeps its addresses and its trace hash.
 * Faults act on a proxy through `crash`/`restart` (a new incarnation on a new port, which
 * registers again) and through the network (isolation, links cut, extra delay).
 */
import { ProxyShell } from "../../src/driver/proxy-shell.js";
import { resolveOptions } from "../../src/options.js";
import { sleepOn } from "../../src/ports/clock.js";
import type { SimContext } from "../context.js";
import type { HostTime } from "../host-clock.js";
import { HostProcess } from "../host-process.js";
import { applyProxyPlantedBug } from "../planted-bugs.js";
import { SimMatchmakerView } from "./sim-matchmaker.js";

/** How long a stopping proxy forwards after it deregistered (end of run). */
const DRAIN_MS = 50;
const MAX_START_ATTEMPTS = 100;
const START_RETRY_MS = 200;

export class SimProxy {
  proc: HostProcess;
  mm: SimMatchmakerView;
  shell: ProxyShell | undefined;
  up = true;
  /** Crashes so far. */
  crashes = 0;
  private closing: Promise<void> | undefined;
  /** Every shell this proxy host ran (all incarnations, retried starts included), for its figures. */
  private readonly shells: ProxyShell[] = [];

  constructor(
    private readonly ctx: SimContext,
    /** Proxy number (p0, p1, …). */
    readonly index: number,
    /** Its host on the simulated network. */
    readonly netHost: number,
    readonly ip: string,
    private readonly time: HostTime,
  ) {
    this.proc = this.makeProcess(0);
    this.mm = this.makeView();
  }

  get incarnation(): number {
    return this.proc.incarnation;
  }

  /**
   * Binds both ROUTERs and registers them. A start whose registration fails (the
   * matchmaker is down) closes that shell and tries again later, as a supervisor
   * restarting a crash-looping proxy would.
   */
  start(): Promise<void> {
    const proc = this.proc;
    return new Promise<void>((resolve) => {
      proc.enter(() => {
        void (async () => {
          for (let attempt = 1; attempt <= MAX_START_ATTEMPTS && !proc.dead; attempt++) {
            const shell = this.makeShell(proc);
            try {
              await shell.start();
              break;
            } catch {
              await shell.stop();
              await sleepOn(proc.clock, START_RETRY_MS);
            }
          }
          resolve();
        })();
      });
    });
  }

  private makeShell(proc: HostProcess): ProxyShell {
    const o = this.ctx.options;
    const options = resolveOptions({ ...o.driver, bindAddress: this.ip, advertiseHost: this.ip });
    const shell = new ProxyShell(
      { sockets: proc.sockets, clock: proc.clock, rng: proc.rng, matchmaker: this.mm, options },
      { bindAddress: this.ip, advertiseHost: this.ip, drainMs: DRAIN_MS, batches: !this.legacy },
    );
    if (o.plantedBug) applyProxyPlantedBug(o.plantedBug, shell);
    this.shell = shell;
    this.shells.push(shell);
    return shell;
  }

  /** It acts as a proxy from before batches (cluster.legacyProxies: the last proxies). */
  get legacy(): boolean {
    const c = this.ctx.options.cluster;
    return this.index >= c.proxies - c.legacyProxies;
  }

  /** What this proxy host forwarded over the run, all incarnations together. */
  forwarded(): {
    routed: number;
    batches: number;
    published: number;
    back: number;
    noRoute: number;
    malformed: number;
  } {
    const sum = { routed: 0, batches: 0, published: 0, back: 0, noRoute: 0, malformed: 0 };
    for (const s of this.shells) {
      const st = s.stats;
      sum.routed += st.routed;
      sum.batches += st.batches;
      sum.published += st.published;
      sum.back += st.back;
      sum.noRoute += st.dropped["no-route"];
      sum.malformed += st.dropped.malformed;
    }
    return sum;
  }

  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.crashes++;
    this.proc.kill();
    this.mm.detach();
    this.ctx.trace.record("process", this.netHost, this.proc.incarnation, 2);
  }

  restart(): void {
    if (this.up) return;
    this.proc = this.makeProcess(this.proc.incarnation + 1);
    this.mm = this.makeView();
    this.up = true;
    this.ctx.trace.record("process", this.netHost, this.proc.incarnation, 1);
    void this.start();
  }

  /** End of run: deregister, drain, close. */
  close(): Promise<void> {
    if (!this.up || !this.shell) return Promise.resolve();
    const shell = this.shell;
    this.closing ??= new Promise<void>((resolve) => this.proc.enter(() => void shell.stop().then(resolve, resolve)));
    return this.closing;
  }

  private makeProcess(incarnation: number): HostProcess {
    const { ctx } = this;
    return new HostProcess(
      this.netHost,
      incarnation,
      ctx.net,
      ctx.scheduler,
      ctx.trace,
      this.time,
      ctx.options.seed,
      ctx.options.cluster.timerGranularity,
    );
  }

  private makeView(): SimMatchmakerView {
    const { ctx } = this;
    return new SimMatchmakerView(
      ctx.matchmaker,
      this.proc,
      ctx.scheduler,
      ctx.trace,
      ctx.discovery,
      Math.round(ctx.options.cluster.matchmakerLatencyMs * 1000),
    );
  }
}
