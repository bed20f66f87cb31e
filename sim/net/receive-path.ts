/**
 * The receive side of a simulated socket: messages fair-queued over its pipes (libzmq's
 * fq_t), the single waiting receive zeromq.js allows, and the read latency of an event
 * loop that polls.
 *
 * A receive completes at once when a message is queued; otherwise it waits, and a message
 * arriving later wakes it `readLatencyMs` after the arrival, through the process gate (not
 * while the process is paused, never after a crash). While one receive waits, another
 * rejects EBUSY. A ROUTER prefixes every message with the sender's routing id; every
 * message read is reported to `onRead` (the simulator's ReadLog: a ROUTER's, and in proxy
 * mode a listener's DEALER links').
 */
import { PortError } from "../../src/ports/socket.js";
import type { SimEvent } from "../scheduler.js";
import { FairQueue } from "./balancers.js";
import type { SimNetwork } from "./network.js";
import type { PipeEnd } from "./pipe-end.js";
import type { SimSocket } from "./sim-socket.js";

/** Every socket's read-latency wake-up: the receive path is the event's data. */
const wakeEvent = (ev: SimEvent): void => {
  const r = ev.arg as ReceivePath;
  r.sock.proc.enter(r.serveFn);
};

export class ReceivePath {
  readonly fq = new FairQueue<Buffer[], PipeEnd>();
  /** A ROUTER's reads, as handed to the receiver (the simulator's ReadLog listens here). */
  onRead: ((frames: readonly Buffer[]) => void) | undefined;
  /** The waiting receive's settle functions (both set or both undefined). */
  private resolveFn: ((f: Buffer[]) => void) | undefined;
  private rejectFn: ((e: PortError) => void) | undefined;
  /** One executor for every waiting receive (no closure per receive). */
  private readonly executor = (resolve: (f: Buffer[]) => void, reject: (e: PortError) => void): void => {
    this.resolveFn = resolve;
    this.rejectFn = reject;
  };
  private wakeArmed = false;

  constructor(
    readonly sock: SimSocket,
    private readonly net: SimNetwork,
  ) {}

  receive(): Promise<Buffer[]> {
    if (this.resolveFn)
      return Promise.reject(
        new PortError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time"),
      );
    const m = this.readOne();
    if (m) return Promise.resolve(m);
    return new Promise<Buffer[]>(this.executor);
  }

  /** close(): the waiting receive, if any, rejects ECLOSED (the error is built only then). */
  abort(): void {
    const reject = this.rejectFn;
    this.resolveFn = undefined;
    this.rejectFn = undefined;
    if (reject) reject(new PortError("ECLOSED", "socket closed while a receive was pending"));
  }

  /** A message was appended to `end.inbound`: a waiting receive is woken after the read latency. */
  delivered(end: PipeEnd): void {
    this.fq.activated(end);
    if (!this.resolveFn || this.wakeArmed) return;
    this.wakeArmed = true;
    if (this.net.readLatencyUs > 0) this.net.atWith(this.net.nowUs + this.net.readLatencyUs, wakeEvent, this);
    else this.sock.proc.enter(this.serveFn);
  }

  /** A waiting receive gets the next message: on the process's thread (gated; see wakeEvent). */
  readonly serveFn = (): void => {
    this.wakeArmed = false;
    const resolve = this.resolveFn;
    if (!resolve || this.sock.closed) return;
    const m = this.readOne();
    if (!m) return;
    this.resolveFn = undefined;
    this.rejectFn = undefined;
    resolve(m);
  };

  private readOne(): Buffer[] | undefined {
    const msg = this.fq.next();
    if (!msg) return undefined;
    const from = this.fq.from!;
    if (from.terminating && from.inbound.length === 0) this.fq.terminated(from);
    if (this.sock.kind !== "router") {
      this.onRead?.(msg);
      return msg;
    }
    // A ROUTER prefixes the sender's routing id (a new array: the sender's frames are
    // shared), allocated at its final size for the driver's five-frame requests.
    const id = from.peerId;
    let out: Buffer[];
    if (msg.length === 5) out = [id, msg[0]!, msg[1]!, msg[2]!, msg[3]!, msg[4]!];
    else {
      out = [id];
      for (let i = 0; i < msg.length; i++) out.push(msg[i]!);
    }
    this.onRead?.(out);
    return out;
  }
}
