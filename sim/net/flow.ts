/**
 * A connection (Link) between a connecting end and an accepting end, with one Flow per
 * direction. A flow is an ordered byte stream: messages leave in the order written and
 * arrive in that order (per-connection FIFO), each after a sampled one-way delay but never
 * before the one ahead of it. Only the head of a flow has an arrival event.
 *
 * HWM accounting: `count` is the number of messages written to the flow and not yet read
 * by the receiving application (in transit or waiting in the receiver's inbound queue);
 * the writer may add one while count < sendHighWaterMark + receiveHighWaterMark. libzmq
 * adds the kernel's TCP buffers on top; the simulation leaves them out (spec/sim.md).
 *
 * Blocked links (partition, clog): the head waits ("stalled") until the link opens, then
 * everything behind it follows in order. Closing: a FIN travels behind the data; a crash
 * (RST) discards the data in transit and sends the FIN alone.
 */
import type { SimEvent } from "../scheduler.js";
import { PairFifo } from "./pair-fifo.js";
import type { PipeEnd } from "./pipe-end.js";

/** What a flow needs from the network. */
export interface FlowNet {
  readonly nowUs: number;
  /** Schedules `fn(ev)` with `ev.arg === arg` (one shared function, no closure per event). */
  atWith(atUs: number, fn: (ev: SimEvent) => void, arg: unknown): SimEvent;
  cancel(ev: SimEvent | undefined): void;
  delayUs(src: number, dst: number): number;
  /** Extra delay of a message written from `src` to `dst` now (the one-way delay fault), µs. */
  extraDelayUs(src: number, dst: number): number;
  linkOpen(src: number, dst: number): boolean;
  /**
   * Whether a message written from `src` to `dst` now is to be delivered twice (the
   * duplicate fault; never a request its sender marked as sent once: sent-once.ts).
   */
  duplicates(src: number, dst: number, frames: readonly Buffer[]): boolean;
  /** What of a message written on `flow` now gets through the drop fault (message-faults.ts): it, part of a batch, or nothing. */
  keep(flow: Flow, frames: Buffer[]): Buffer[] | undefined;
  stalled(flow: Flow, on: boolean): void;
  traceDeliver(flow: Flow, bytes: number, frames: readonly Buffer[]): void;
  /** A message entered a flow. */
  sent(): void;
  /** Messages in transit were discarded (reset, reader gone). */
  lost(n: number): void;
  /** One data message of `flow` was discarded in transit because the connection closed (not a crash's reset). */
  lostOnWire(flow: Flow, frames: readonly Buffer[]): void;
}

const FIN: Buffer[] = [];

/** Every flow's head-arrival event: the flow is the event's data. */
const arriveEvent = (ev: SimEvent): void => (ev.arg as Flow).arrive();

function hwm(n: number): number {
  return n <= 0 ? Infinity : n;
}

export class Flow {
  count = 0;
  readonly capacity: number;
  /** Messages in flight (FIN is a marker entry), each with the time it was written (plus any extra delay then). */
  private readonly transit = new PairFifo<Buffer[], number>();
  private head: SimEvent | undefined;
  private isStalled = false;
  private dead = false;

  /** Copies of link.id and the two ends' hosts: an arrival reads them without touching the ends. */
  readonly linkId: number;
  readonly srcHost: number;
  readonly dstHost: number;

  constructor(
    private readonly net: FlowNet,
    readonly link: Link,
    readonly src: PipeEnd,
    readonly dst: PipeEnd,
  ) {
    this.capacity = hwm(src.owner.sendHwm) + hwm(dst.owner.recvHwm);
    this.linkId = link.id;
    this.srcHost = src.owner.host;
    this.dstHost = dst.owner.host;
  }

  send(written: Buffer[]): void {
    if (this.dead) {
      this.net.lostOnWire(this, written); // written to a connection its peer has closed
      return;
    }
    const frames = this.net.keep(this, written);
    if (frames === undefined) return;
    this.count++;
    this.net.sent();
    this.push(frames);
    if (!this.net.duplicates(this.srcHost, this.dstHost, frames)) return;
    this.count++; // the copy, right behind the original
    this.net.sent();
    this.push(frames);
  }

  /** Sends FIN after the data already written (graceful close). */
  fin(): void {
    if (!this.dead) this.push(FIN);
  }

  /** Discards the data in transit and sends FIN at once (RST: the writer crashed). */
  reset(): void {
    if (this.dead) return;
    this.net.lost(this.dataInTransit());
    this.transit.clear();
    this.count = 0;
    this.net.cancel(this.head);
    this.head = undefined;
    this.push(FIN);
  }

  /** Stops the flow: nothing more arrives (the reader is gone). Returns messages lost. */
  kill(): number {
    if (this.dead) return 0;
    this.dead = true;
    this.net.cancel(this.head);
    this.head = undefined;
    if (this.isStalled) this.net.stalled(this, false);
    this.isStalled = false;
    this.count = 0;
    const lost = this.dataInTransit();
    this.net.lost(lost);
    if (lost > 0)
      this.transit.forEachA((f) => {
        if (f !== FIN) this.net.lostOnWire(this, f);
      });
    this.transit.clear();
    return lost;
  }

  /** Messages in transit, the FIN marker excluded. */
  private dataInTransit(): number {
    let n = 0;
    this.transit.forEachA((f) => {
      if (f !== FIN) n++;
    });
    return n;
  }

  /** The reader took one message of this flow. */
  consumed(): void {
    if (this.dead) return;
    this.count--;
    if (this.src.outFull && this.count < this.capacity) this.src.owner.writable(this.src);
  }

  /** Called by the network when the link may have opened again. */
  unstall(): void {
    if (!this.isStalled || this.dead) return;
    if (!this.net.linkOpen(this.srcHost, this.dstHost)) return;
    this.isStalled = false;
    this.net.stalled(this, false);
    this.scheduleHead(this.net.nowUs);
  }

  private push(frames: Buffer[]): void {
    const now = this.net.nowUs;
    this.transit.push(frames, now + this.net.extraDelayUs(this.srcHost, this.dstHost));
    if (!this.head && !this.isStalled) this.scheduleHead(now);
  }

  /** Arms the head's arrival: its own delay after it was written (or after `fromUs`, when the link reopened), never before now. */
  private scheduleHead(fromUs: number): void {
    const ready = this.transit.peekB();
    if (ready === undefined) return;
    const at = Math.max(this.net.nowUs, Math.max(fromUs, ready) + this.net.delayUs(this.srcHost, this.dstHost));
    this.head = this.net.atWith(at, arriveEvent, this);
  }

  /** The head message reaches the other end (its event; see arriveEvent). */
  arrive(): void {
    this.head = undefined;
    if (this.dead) return;
    if (!this.net.linkOpen(this.srcHost, this.dstHost)) {
      this.isStalled = true;
      this.net.stalled(this, true);
      return;
    }
    const frames = this.transit.peekA()!;
    this.transit.drop();
    if (frames === FIN) {
      this.dead = true;
      this.dst.owner.peerClosed(this.dst);
      return;
    }
    let bytes = 0;
    let longest = 0;
    for (const f of frames) {
      bytes += f.length;
      if (f.length > longest) longest = f.length;
    }
    if (longest > this.dst.owner.maxFrameBytes) {
      // libzmq reads the frame's length, fails the connection before allocating the frame.
      this.net.lost(1);
      this.net.lostOnWire(this, frames);
      this.dst.owner.frameTooLarge(this.dst);
      return;
    }
    this.net.traceDeliver(this, bytes, frames);
    if (this.dst.hbReg !== undefined) this.dst.hbHeardUs = this.net.nowUs; // data counts as heard (heartbeats.ts)
    this.dst.receiveFrom(frames, this);
    this.dst.owner.delivered(this.dst);
    if (!this.head && !this.dead && this.transit.length > 0) this.scheduleHead(0);
  }
}

export class Link {
  readonly ab: Flow;
  readonly ba: Flow;

  constructor(
    net: FlowNet,
    readonly id: number,
    readonly a: PipeEnd,
    readonly b: PipeEnd,
  ) {
    this.ab = new Flow(net, this, a, b);
    this.ba = new Flow(net, this, b, a);
  }

  flowFrom(end: PipeEnd): Flow {
    return end === this.a ? this.ab : this.ba;
  }

  flowTo(end: PipeEnd): Flow {
    return end === this.a ? this.ba : this.ab;
  }
}
