/**
 * SocketFactory of one simulated process: every socket it makes lives on the process's
 * host and behind its gate. It counts open DEALERs (outbound sockets) independently of
 * the driver's own pool counters: the pool-cap checker compares this ground truth with
 * the pool's limit. `killAll` is the crash path: links reset, nothing settles.
 */
import type { DealerOptions, PortSocket, RouterOptions, SocketFactory } from "../../src/ports/socket.js";
import type { SimNetwork } from "./network.js";
import type { ProcessGate } from "./process-gate.js";
import { SimSocket } from "./sim-socket.js";
import { proxiedRead } from "../history/read-log.js";

export interface SocketCounts {
  open: number;
  openDealers: number;
  peakOpenDealers: number;
  created: number;
}

export class SimSocketFactory implements SocketFactory {
  private readonly sockets = new Set<SimSocket>();
  readonly counts: SocketCounts = { open: 0, openDealers: 0, peakOpenDealers: 0, created: 0 };
  /**
   * Hears every message a ROUTER of this process hands to the driver, and every MESSAGE a
   * DEALER hands it in proxy mode, as the listener reads it (the simulator's ReadLog).
   */
  onRouterRead: ((frames: readonly Buffer[]) => void) | undefined;

  constructor(
    private readonly net: SimNetwork,
    private readonly proc: ProcessGate,
  ) {}

  router(options: RouterOptions): PortSocket {
    return this.make("router", options);
  }

  dealer(options: DealerOptions): PortSocket {
    return this.make("dealer", options);
  }

  /** Nothing to release: each socket is closed by its owner (SocketFactory.close). */
  close(): void {}

  /** Sockets created by this process and not closed yet. */
  openSockets(): SimSocket[] {
    return [...this.sockets].filter((s) => !s.closed);
  }

  killAll(): void {
    for (const s of this.sockets) s.kill();
    this.sockets.clear();
  }

  private make(kind: "router" | "dealer", options: RouterOptions & DealerOptions): SimSocket {
    const s = new SimSocket(this.net, this.proc, kind, options);
    const onRead = this.onRouterRead;
    if (kind === "router") s.recv.onRead = onRead;
    // In proxy mode a listener reads through DEALER links to the proxies (MESSAGE frames).
    else if (onRead !== undefined)
      s.recv.onRead = (frames) => {
        const read = proxiedRead(frames);
        if (read !== undefined) onRead(read);
      };
    this.sockets.add(s);
    this.counts.created++;
    this.counts.open++;
    if (kind === "dealer") {
      this.counts.openDealers++;
      this.counts.peakOpenDealers = Math.max(this.counts.peakOpenDealers, this.counts.openDealers);
    }
    s.onEvent((e) => {
      if (e.type !== "close") return;
      this.sockets.delete(s);
      this.counts.open--;
      if (kind === "dealer") this.counts.openDealers--;
    });
    return s;
  }
}
