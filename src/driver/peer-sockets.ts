/**
 * Outbound sockets of one transport: one DEALER per peer address, created on first use,
 * reused afterwards, each with its own bounded SendQueue and a receive loop feeding
 * replies to the client engine. Sockets are held strongly here until closed (zeromq.js
 * closes garbage-collected sockets).
 *
 * This is the simple policy of the RPC core; the socket pool component (spec/pool.md)
 * adds caps, idle recycling and eviction behind the same `get`/`drop`/`close` surface.
 */
import type { Clock } from "../ports/clock.js";
import { randomId, type Rng } from "../ports/rng.js";
import type { PortSocket, SocketFactory } from "../ports/socket.js";
import type { ResolvedOptions } from "../options.js";
import { SendQueue } from "./send-queue.js";

export interface Peer {
  readonly address: string;
  readonly socket: PortSocket;
  readonly queue: SendQueue;
}

export interface PeerStats {
  open: number;
  created: number;
  reused: number;
  closed: number;
}

export class PeerSockets {
  private readonly peers = new Map<string, Peer>();
  readonly stats: PeerStats = { open: 0, created: 0, reused: 0, closed: 0 };

  constructor(
    private readonly sockets: SocketFactory,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly options: ResolvedOptions,
    private readonly onFrames: (frames: Buffer[]) => void,
  ) {}

  get(address: string): Peer {
    const existing = this.peers.get(address);
    if (existing) {
      this.stats.reused++;
      return existing;
    }
    const socket = this.sockets.dealer({
      routingId: randomId(this.rng),
      immediate: true,
      sendHighWaterMark: this.options.sendHighWaterMark,
      sendTimeoutMs: this.options.sendTimeoutMs,
      lingerMs: this.options.lingerMs,
      reconnectIntervalMs: 100,
      reconnectMaxIntervalMs: 1000,
    });
    socket.connect(address);
    const peer: Peer = { address, socket, queue: new SendQueue(socket, this.clock, this.options.maxQueuedSends) };
    this.peers.set(address, peer);
    this.stats.created++;
    this.stats.open++;
    void this.receiveLoop(peer);
    return peer;
  }

  /** Closes the socket of one peer (the peer left the matchmaker, or it keeps failing). */
  drop(address: string): void {
    const peer = this.peers.get(address);
    if (!peer) return;
    this.peers.delete(address);
    peer.queue.close();
    peer.socket.close();
    this.stats.open--;
    this.stats.closed++;
  }

  addresses(): string[] {
    return [...this.peers.keys()];
  }

  close(): void {
    for (const a of [...this.peers.keys()]) this.drop(a);
  }

  private async receiveLoop(peer: Peer): Promise<void> {
    while (!peer.socket.closed) {
      let frames: Buffer[];
      try {
        frames = await peer.socket.receive();
      } catch {
        return; // closed
      }
      this.onFrames(frames);
    }
  }
}
