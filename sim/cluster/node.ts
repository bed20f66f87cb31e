/**
 * One incarnation of the driver on a simulated host: a real Transport (getRpcTransport
 * with the simulator's ports and matchmaker view), the host's RpcServer when it serves a
 * topic, and RpcClients per topic. This is the unmodified driver code; the simulator only
 * supplies ports.
 */
import { getRpcServer, getRpcTransport, RpcClient, type RpcServer, type Transport } from "../../src/index.js";
import { sleepOn } from "../../src/ports/clock.js";
import type { SimContext } from "../context.js";
import type { HostProcess } from "../host-process.js";
import { serverKey } from "../history/exec-log.js";
import { applyPlantedBug } from "../planted-bugs.js";
import { observeDriver } from "./driver-observer.js";
import { Prng } from "../prng.js";
import { NodeNotifications } from "../notify/node-notifications.js";
import { makeEndpoint } from "./endpoint.js";
import type { HostBehavior } from "./behavior.js";
import { SimMatchmakerView } from "./sim-matchmaker.js";

export interface HostSpec {
  readonly index: number;
  readonly ip: string;
  readonly behavior: HostBehavior;
  /** Topic served by this host, or -1. */
  readonly topic: number;
}

const MAX_START_ATTEMPTS = 100;
const START_RETRY_MS = 200;

export const topicName = (t: number): string => `t${t}`;
export const serverName = (h: number): string => `h${h}`;

export class SimNode {
  readonly mm: SimMatchmakerView;
  transport: Transport | undefined;
  server: RpcServer | undefined;
  /** RpcClients per topic, and per named server (directed requests). */
  private readonly topicClients: (RpcClient | undefined)[] = [];
  private readonly serverClients: (RpcClient | undefined)[] = [];
  private readonly fanoutClients: (RpcClient | undefined)[] = [];
  /** The idempotent variant of each client above (made once, when a request first needs it). */
  private readonly idempotentClients = new Map<RpcClient, RpcClient>();
  private closing: Promise<void> | undefined;
  /** The notification listener and notifiers, only with a notification workload. */
  readonly notifications: NodeNotifications | undefined;

  constructor(
    private readonly ctx: SimContext,
    readonly spec: HostSpec,
    readonly proc: HostProcess,
  ) {
    this.mm = new SimMatchmakerView(
      ctx.matchmaker,
      proc,
      ctx.scheduler,
      ctx.trace,
      ctx.discovery,
      Math.round(ctx.options.cluster.matchmakerLatencyMs * 1000),
    );
    const n = ctx.options.notifications;
    this.notifications = n && ctx.notifies ? new NodeNotifications(ctx, ctx.notifies, n, spec.index, proc) : undefined;
  }

  get incarnation(): number {
    return this.proc.incarnation;
  }

  /** The address this node's server advertises, once started. */
  get address(): string | undefined {
    return this.server?.host;
  }

  async start(): Promise<void> {
    const o = this.ctx.options;
    const f = o.faults;
    const driver = {
      ...o.driver,
      ...(f.sendHighWaterMark !== undefined ? { sendHighWaterMark: f.sendHighWaterMark } : {}),
      ...(f.maxQueuedSends !== undefined ? { maxQueuedSends: f.maxQueuedSends } : {}),
    };
    const ports = { sockets: this.proc.sockets, clock: this.proc.clock, rng: this.proc.rng };
    this.proc.sockets.onRouterRead = this.ctx.reads.recorder(this.spec.index, this.proc.incarnation);
    const curve = this.ctx.curve?.optionsFor(this.spec.index, this.proc.incarnation);
    this.transport = await getRpcTransport("zmq://", {
      ...driver,
      ...(curve ? { curve } : {}),
      bindAddress: this.spec.ip,
      matchmaker: this.mm,
      ports,
    });
    if (o.plantedBug) applyPlantedBug(o.plantedBug, this.transport);
    const { net, routing, scheduler } = this.ctx;
    observeDriver(this.transport, {
      log: routing,
      client: serverKey(this.spec.index, this.proc.incarnation),
      nowUs: () => scheduler.nowUs,
      cutting: () => net.cutting,
    });
    if (this.spec.topic < 0) return;
    const endpoint = makeEndpoint({
      host: this.spec.index,
      incarnation: this.proc.incarnation,
      topic: this.spec.topic,
      clock: this.proc.clock,
      enter: (fn) => this.proc.enter(fn),
      rng: Prng.derive(o.seed, `host/${this.spec.index}/incarnation/${this.proc.incarnation}/app`),
      behavior: this.spec.behavior,
      exec: this.ctx.exec,
      trace: this.ctx.trace,
      serviceMsMean: o.workload.serviceMsMean,
    });
    // RpcServer.start() rejects when the matchmaker is down at that moment (it does not
    // retry the registration); the application retries, as a supervisor restarting a
    // crash-looping service would.
    for (let attempt = 1; ; attempt++) {
      this.server = getRpcServer(
        this.transport,
        { topic: topicName(this.spec.topic), server: serverName(this.spec.index) },
        [endpoint],
        {
          maxConcurrency: o.cluster.maxConcurrency,
          // Refused handshakes are counted (stats.refusedHandshakes) and judged by the checkers.
          logger: { warn: () => undefined },
        },
      );
      try {
        await this.server.start();
        break;
      } catch (err) {
        // Closed meanwhile (a graceful restart, the run's end): this incarnation is over,
        // and retrying on its closed transport would only fail until the attempts ran out.
        if (attempt >= MAX_START_ATTEMPTS || this.isClosing) throw err;
        await sleepOn(this.proc.clock, START_RETRY_MS);
      }
    }
    await this.notifications?.start(this.transport, true);
  }

  /** The client casting to every server of `topic`, made once. */
  fanoutClient(topic: number): RpcClient {
    let c = this.fanoutClients[topic];
    if (!c) {
      c = this.client(topic, -1).prepare({ fanout: true });
      while (this.fanoutClients.length <= topic) this.fanoutClients.push(undefined);
      this.fanoutClients[topic] = c;
    }
    return c;
  }

  /** `client(topic, server)` prepared with `idempotent: true`; made once. */
  idempotentClient(topic: number, server: number): RpcClient {
    const base = this.client(topic, server);
    let c = this.idempotentClients.get(base);
    if (!c) {
      c = base.prepare({ idempotent: true });
      this.idempotentClients.set(base, c);
    }
    return c;
  }

  /** A client for `topic`, addressed to one named server when `server` >= 0; made once. */
  client(topic: number, server: number): RpcClient {
    const clients = server >= 0 ? this.serverClients : this.topicClients;
    const key = server >= 0 ? server : topic;
    let c = clients[key];
    if (!c) {
      if (!this.transport) throw new Error(`node h${this.spec.index} has no transport yet`);
      const o = this.ctx.options.workload;
      c = new RpcClient(
        this.transport,
        { topic: topicName(topic), ...(server >= 0 ? { server: serverName(server) } : {}) },
        { timeoutMs: o.timeoutMs, retry: o.retry },
      );
      while (clients.length <= key) clients.push(undefined);
      clients[key] = c;
    }
    return c;
  }

  /** Crash: the process and everything it had in flight vanish. */
  crash(): void {
    this.proc.kill();
    this.mm.detach();
  }

  /** Whether close() has begun (a graceful restart or the run's end): a start that fails now is no fault. */
  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /** Graceful shutdown (end of run): Transport.close stops the server and closes every socket. */
  close(): Promise<void> {
    if (this.proc.dead || !this.transport) return Promise.resolve();
    this.closing ??= this.transport.close();
    return this.closing;
  }
}
