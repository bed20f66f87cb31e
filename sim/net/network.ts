/**
 * The simulated network: hosts with distinct addresses (tcp://10.0.x.y:port), bound
 * endpoints, one-way delays, the link faults that stall traffic or add delay, and the
 * heartbeats of its connections (heartbeats.ts). Sockets and flows reach virtual time
 * and randomness only through here, so the whole network draws from one seeded stream in
 * event order.
 */
import type { Prng } from "../prng.js";
import type { Scheduler, SimEvent } from "../scheduler.js";
import type { Trace } from "../trace.js";
import type { Flow, FlowNet } from "./flow.js";
import { Heartbeats } from "./heartbeats.js";
import { LinkFaults } from "./link-faults.js";
import { MessageFaults } from "./message-faults.js";
import type { SimSocket } from "./sim-socket.js";
import { sentOnce } from "./sent-once.js";

export interface NetworkOptions {
  /** Smallest one-way delay of a message. @default 0.05 */
  oneWayDelayMsMin: number;
  /** Mean of the exponential part added to the minimum. @default 0.15 */
  oneWayDelayMsMean: number;
  /** Time from a message's arrival until a waiting receive() sees it (event-loop poll latency). @default 0.02 */
  readLatencyMs: number;
  /** ZMQ_RCVHWM of sockets that do not set one (libzmq: 1000); smaller values add HWM pressure. */
  receiveHighWaterMark?: number;
}

export const DEFAULT_NETWORK: NetworkOptions = { oneWayDelayMsMin: 0.05, oneWayDelayMsMean: 0.15, readLatencyMs: 0.02 };

export interface SimHost {
  readonly index: number;
  readonly ip: string;
  nextPort: number;
}

export interface NetworkStats {
  /** Messages written to a connection and neither arrived nor lost yet. */
  inTransit: number;
  delivered: number;
  bytes: number;
  linksUp: number;
  linksDown: number;
  lostInTransit: number;
  connectRetries: number;
  /** Extra copies the duplicate fault put on the wire. */
  duplicated: number;
  /** Messages the drop fault lost (message-faults.ts). */
  droppedByFault: number;
  /** Connections refused by the security handshake (CURVE, curve-handshake.ts). */
  handshakeFailures: number;
}

/** 10.0.x.y with y in 1..250: 62,750 hosts fit, far beyond any run. */
export function hostIp(index: number): string {
  return `10.0.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

export class SimNetwork implements FlowNet {
  readonly faults: LinkFaults;
  /** Faults aimed at messages of one kind (drop, watch for a delivery). */
  readonly messages = new MessageFaults();
  /** ZMTP heartbeats of every connection whose socket has them. */
  readonly heartbeats: Heartbeats;
  /** Processes frozen now (HostProcess.freeze). */
  frozenProcesses = 0;
  /** Hears each data message discarded in transit because its connection closed (the simulator's ReadLog). */
  onWireLoss: ((flow: Flow, frames: readonly Buffer[]) => void) | undefined;
  readonly endpoints = new Map<string, SimSocket>();
  readonly hosts: SimHost[] = [];
  readonly stats: NetworkStats = {
    inTransit: 0,
    delivered: 0,
    bytes: 0,
    linksUp: 0,
    linksDown: 0,
    lostInTransit: 0,
    connectRetries: 0,
    duplicated: 0,
    droppedByFault: 0,
    handshakeFailures: 0,
  };
  private readonly byIp = new Map<string, SimHost>();
  private readonly stalledFlows = new Set<Flow>();
  private readonly minUs: number;
  private readonly meanUs: number;
  readonly readLatencyUs: number;
  readonly defaultRecvHwm: number;
  private nextSocketId = 1;
  private nextLinkId = 1;

  constructor(
    readonly scheduler: Scheduler,
    readonly trace: Trace,
    private readonly rng: Prng,
    options: NetworkOptions = DEFAULT_NETWORK,
  ) {
    this.faults = new LinkFaults(() => this.reopen());
    this.heartbeats = new Heartbeats(this);
    this.faults.onChange = (hosts) => this.heartbeats.changed(hosts);
    this.minUs = Math.round(options.oneWayDelayMsMin * 1000);
    this.meanUs = options.oneWayDelayMsMean * 1000;
    this.readLatencyUs = Math.round(options.readLatencyMs * 1000);
    this.defaultRecvHwm = options.receiveHighWaterMark ?? 1000;
  }

  addHost(): SimHost {
    const h: SimHost = { index: this.hosts.length, ip: hostIp(this.hosts.length), nextPort: 49152 };
    this.hosts.push(h);
    this.byIp.set(h.ip, h);
    return h;
  }

  hostByIp(ip: string): SimHost | undefined {
    return this.byIp.get(ip);
  }

  get nowUs(): number {
    return this.scheduler.nowUs;
  }

  at(atUs: number, fn: () => void): SimEvent {
    return this.scheduler.at(atUs, fn);
  }

  atWith(atUs: number, fn: (ev: SimEvent) => void, arg: unknown): SimEvent {
    return this.scheduler.atWith(atUs, fn, arg, 0);
  }

  cancel(ev: SimEvent | undefined): void {
    this.scheduler.cancel(ev);
  }

  delayUs(_src: number, _dst: number): number {
    return this.minUs + Math.round(this.rng.exponential(this.meanUs));
  }

  extraDelayUs(src: number, dst: number): number {
    return this.faults.extraDelayUs(src, dst);
  }

  /**
   * The one-way delay fault: messages written from `src` to `dst` take `extraUs` longer
   * until the returned function is called (a message carries the extra of the moment it
   * was written; those written later still queue behind it). Its direction's heartbeats are silent for
   * `extraUs` from now (heartbeats.ts): what is sent behind the delayed traffic arrives
   * after it.
   */
  oneWayDelay(src: number, dst: number, extraUs: number): () => void {
    const lift = this.faults.delay(src, dst, extraUs);
    this.scheduler.after(extraUs, this.faults.silence(src, dst));
    return lift;
  }

  /** Whether any fault that can cut a peer off is in force: a blocked link or a frozen process. */
  get cutting(): boolean {
    return this.faults.blocking || this.frozenProcesses > 0;
  }

  linkOpen(src: number, dst: number): boolean {
    return this.faults.open(src, dst);
  }

  duplicates(src: number, dst: number, frames: readonly Buffer[]): boolean {
    if (!this.faults.duplicating(src, dst) || sentOnce(frames)) return false;
    this.stats.duplicated++;
    return true;
  }

  keep(flow: Flow, frames: Buffer[]): Buffer[] | undefined {
    if (this.messages.active === 0) return frames;
    return this.messages.keep(flow.srcHost, flow.dstHost, frames, (type) => {
      this.stats.droppedByFault++;
      this.trace.record("lose", flow.linkId, flow.srcHost, flow.dstHost, type);
    });
  }

  sent(): void {
    this.stats.inTransit++;
  }

  lost(n: number): void {
    this.stats.inTransit -= n;
    this.stats.lostInTransit += n;
  }

  lostOnWire(flow: Flow, frames: readonly Buffer[]): void {
    this.onWireLoss?.(flow, frames);
  }

  stalled(flow: Flow, on: boolean): void {
    if (on) this.stalledFlows.add(flow);
    else this.stalledFlows.delete(flow);
  }

  traceDeliver(flow: Flow, bytes: number, frames: readonly Buffer[]): void {
    this.stats.inTransit--;
    this.stats.delivered++;
    this.stats.bytes += bytes;
    this.trace.record("deliver", flow.linkId, flow.srcHost, flow.dstHost, bytes);
    if (this.messages.active !== 0) this.messages.delivered(flow.srcHost, flow.dstHost, frames);
  }

  socketId(): number {
    return this.nextSocketId++;
  }

  linkId(): number {
    return this.nextLinkId++;
  }

  /** A free port on `host` for a "*" bind (ephemeral range, never reused within a run). */
  allocPort(host: SimHost): number {
    for (;;) {
      const port = host.nextPort++;
      if (port > 65535) throw new Error(`host ${host.ip} ran out of ports`);
      if (!this.endpoints.has(`tcp://${host.ip}:${port}`)) return port;
    }
  }

  /** A fault lifted: every stalled flow whose link is open again resumes, oldest stall first. */
  private reopen(): void {
    for (const f of [...this.stalledFlows]) f.unstall();
  }
}
