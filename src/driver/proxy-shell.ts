/**
 * The proxy's shell (spec/proxy.md): two ROUTERs, a frontend for clients and a backend for
 * servers, both mandatory (an unroutable send fails at once instead of vanishing) with a
 * send timeout of 0 like a server's ROUTER; one receive loop each hands every message to
 * the forwarding core (src/core/proxy-forwarding.ts) and performs its effects through
 * one SendQueue per socket. The proxy registers both addresses in the matchmaker with the
 * servers' TTL and refresh (the frontend under a second key too, which says it forwards
 * batches), and on stop deregisters, keeps forwarding for `drainMs`, then closes. Ports only, so the simulator can run it as it is.
 */
import { ProxyCore, type ProxyEffect, type ProxySend, type ProxyStats } from "../core/proxy-forwarding.js";
import { PROXY_BACKEND_KEY, PROXY_BATCH_FRONTEND_KEY, PROXY_FRONTEND_KEY } from "../core/proxy-frames.js";
import { sleepOn, type TimerId } from "../ports/clock.js";
import { randomId } from "../ports/rng.js";
import { PortError, type PortSocket } from "../ports/socket.js";
import { SendQueue } from "../pool/send-queue.js";
import type { ProxyPortDeps } from "./proxy-link.js";

export type ProxyShellDeps = ProxyPortDeps;

export interface ProxyShellConfig {
  /** Interface both ROUTERs bind. @default options.bindAddress */
  bindAddress?: string;
  /** Host written into the registered addresses. @default options.advertiseHost */
  advertiseHost?: string;
  /** 0: a random port. */
  frontendPort?: number;
  backendPort?: number;
  /** How long a stopping proxy forwards after it deregistered. @default 1000 */
  drainMs?: number;
  /**
   * Whether it forwards batches (spec/proxy.md, "Batches through proxies"). false: it
   * acts as a proxy from before them: no `proxy:frontend-batches` entry, a batch is
   * malformed (mixed-version tests and the simulator). @default true
   */
  batches?: boolean;
}

export interface ProxyShellStats extends ProxyStats {
  /** Sends that failed for another reason than a gone peer (a full queue, a full peer). */
  sendFailures: number;
}

export class ProxyShell {
  readonly core: ProxyCore;
  private frontend: PortSocket | undefined;
  private backend: PortSocket | undefined;
  private queues: { frontend: SendQueue; backend: SendQueue } | undefined;
  private refreshTimer: TimerId | undefined;
  private registered: [string, string][] = [];
  private sendFailures = 0;
  private stopping: Promise<void> | undefined;
  /** The registered addresses, once started. */
  addresses: { frontend: string; backend: string } | undefined;

  constructor(
    private readonly deps: ProxyShellDeps,
    private readonly config: ProxyShellConfig = {},
  ) {
    this.core = new ProxyCore(config.batches !== false);
  }

  get stats(): ProxyShellStats {
    return { ...this.core.stats, sendFailures: this.sendFailures };
  }

  async start(): Promise<{ frontend: string; backend: string }> {
    const { sockets, options, rng } = this.deps;
    const router = (name: string): PortSocket =>
      sockets.router({
        mandatory: true,
        routingId: `proxy-${name}-${randomId(rng)}`,
        sendHighWaterMark: options.sendHighWaterMark,
        sendTimeoutMs: 0,
        lingerMs: options.lingerMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs,
        // The frame bound of every other socket: a peer cannot make the proxy allocate more (spec/codec.md).
        ...(options.maxFrameBytes === null ? {} : { maxFrameBytes: options.maxFrameBytes }),
      });
    const frontend = router("fe");
    const backend = router("be");
    this.frontend = frontend;
    this.backend = backend;
    this.queues = {
      frontend: new SendQueue(frontend, this.deps.clock, options.maxQueuedSends),
      backend: new SendQueue(backend, this.deps.clock, options.maxQueuedSends),
    };
    const bind = this.config.bindAddress ?? options.bindAddress;
    const advertise = this.config.advertiseHost ?? options.advertiseHost;
    const shown = (endpoint: string): string => endpoint.replace(/^tcp:\/\/[^:]+:/, `tcp://${advertise}:`);
    const fe = shown(await frontend.bind(`tcp://${bind}:${this.config.frontendPort || "*"}`));
    const be = shown(await backend.bind(`tcp://${bind}:${this.config.backendPort || "*"}`));
    void this.receiveLoop(frontend, (f) => this.core.fromFrontend(f));
    void this.receiveLoop(backend, (f) => this.core.fromBackend(f));
    this.addresses = { frontend: fe, backend: be };
    const regs: [string, string][] = [
      [PROXY_FRONTEND_KEY, fe],
      [PROXY_BACKEND_KEY, be],
    ];
    // It forwards batches (spec/proxy.md, "Batches through proxies").
    if (this.core.batches) regs.push([PROXY_BATCH_FRONTEND_KEY, fe]);
    await this.register(regs);
    return this.addresses;
  }

  /** Deregisters, forwards for drainMs more, closes both sockets. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.refreshTimer !== undefined) this.deps.clock.clearTimer(this.refreshTimer);
      this.refreshTimer = undefined;
      const mm = this.deps.matchmaker;
      await Promise.all(this.registered.map(([k, a]) => mm.unregister(k, a).catch(() => undefined)));
      this.registered = [];
      await sleepOn(this.deps.clock, this.config.drainMs ?? 1000);
      this.queues?.frontend.close();
      this.queues?.backend.close();
      this.frontend?.close();
      this.backend?.close();
    })();
    return this.stopping;
  }

  private async register(regs: [string, string][]): Promise<void> {
    const { matchmaker, options, clock } = this.deps;
    this.registered = regs;
    const ttl = options.registrationTtlMs;
    await Promise.all(regs.map(([k, a]) => matchmaker.register(k, a, ttl)));
    if (ttl === null) return;
    const refresh = (): void => {
      if (this.stopping) return;
      void Promise.all(regs.map(([k, a]) => matchmaker.register(k, a, ttl))).catch(() => undefined);
      this.refreshTimer = clock.setTimer(options.registrationRefreshMs, refresh);
    };
    this.refreshTimer = clock.setTimer(options.registrationRefreshMs, refresh);
  }

  private async receiveLoop(socket: PortSocket, handle: (frames: Buffer[]) => ProxyEffect[]): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch {
        return; // closed
      }
      this.apply(handle(frames));
    }
  }

  private apply(effects: ProxyEffect[]): void {
    for (const e of effects) if (e.kind === "send") this.send(e);
  }

  private send(e: ProxySend): void {
    const queues = this.queues;
    if (queues === undefined) return;
    queues[e.side].enqueue(e.frames).catch((err: unknown) => {
      const code = err instanceof PortError ? err.code : "EOTHER";
      if (code === "EHOSTUNREACH") this.apply(this.core.unreachable(e));
      else if (code !== "ECLOSED") this.sendFailures++;
    });
  }
}
