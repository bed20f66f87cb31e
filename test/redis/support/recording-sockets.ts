/**
 * A SocketFactory over zeromq.js (the real one) that records what the client's pooled
 * DEALERs did, per peer address, with performance.now() times (the clock NodeClock gives
 * the delivery core): each message sent (each message of a batch), when its send started and how and when it ended, and each
 * connection event ("connect": the ZMTP handshake completed; "disconnect": the connection
 * dropped or missed its heartbeats). The heartbeat and breaker tests read it to tell when
 * the client saw a server's connection drop and which sends went to a host while its
 * circuit breaker was open. Server ROUTERs are passed through unrecorded.
 */
import { isBatch, splitBatch } from "../../../src/core/batch-frames.js";
import { addressOf } from "../../support/host-address.js";
import { NodeClock } from "../../../src/runtime/node/node-clock.js";
import { CryptoRng } from "../../../src/runtime/node/crypto-rng.js";
import { ZmqSocketFactory } from "../../../src/runtime/node/zmq-socket.js";
import {
  PortError,
  type PortErrorCode,
  type PortSocket,
  type RouterOptions,
  type SocketEvent,
  type SocketFactory,
  type SocketOptions,
} from "../../../src/ports/socket.js";
import type { DriverOptions } from "../../../src/index.js";

export interface SendRecord {
  peer: string;
  startMs: number;
  /** When the send settled; undefined while it is in flight. */
  endMs?: number;
  /** "ok": the connection accepted the frames; else the PortError code it rejected with. */
  outcome?: "ok" | PortErrorCode;
}

export interface EventRecord {
  peer: string;
  type: Exclude<SocketEvent["type"], "close">;
  atMs: number;
}

export class RecordingSockets implements SocketFactory {
  readonly sends: SendRecord[] = [];
  readonly events: EventRecord[] = [];
  private readonly inner = new ZmqSocketFactory();

  router(options: RouterOptions): PortSocket {
    return this.inner.router(options);
  }

  dealer(options: SocketOptions): PortSocket {
    return new RecordingDealer(this.inner.dealer(options), this);
  }

  close(): void {
    this.inner.close();
  }

  /** The sends to `peer` (a matchmaker entry or its address) started at or after `sinceMs`, in the order they started. */
  sendsTo(peer: string, sinceMs = -Infinity): SendRecord[] {
    const address = addressOf(peer);
    return this.sends.filter((s) => s.peer === address && s.startMs >= sinceMs);
  }

  /** The events of `type` on connections to `peer` (a matchmaker entry or its address) at or after `sinceMs`, in order. */
  eventsOf(peer: string, type: EventRecord["type"], sinceMs = -Infinity): EventRecord[] {
    const address = addressOf(peer);
    return this.events.filter((e) => e.peer === address && e.type === type && e.atMs >= sinceMs);
  }

  /** DriverOptions.ports for a transport whose sockets this records (real clock and randomness). */
  ports(): NonNullable<DriverOptions["ports"]> {
    return { sockets: this, clock: new NodeClock(), rng: new CryptoRng() };
  }
}

class RecordingDealer implements PortSocket {
  private peer = "";

  constructor(
    private readonly inner: PortSocket,
    private readonly log: RecordingSockets,
  ) {
    // Subscribed before the pool's listener: an event's time is taken before the driver acts on it.
    inner.onEvent((e) => {
      if (e.type !== "close") log.events.push({ peer: this.peer, type: e.type, atMs: performance.now() });
    });
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  bind(address: string): Promise<string> {
    return this.inner.bind(address);
  }

  connect(address: string): void {
    this.peer = address;
    this.inner.connect(address);
  }

  disconnect(address: string): void {
    this.inner.disconnect(address);
  }

  /** One record per message: a batch envelope (spec/codec.md, "Batches") records each of its messages, with the batch's timing and outcome. */
  send(frames: readonly Buffer[]): Promise<void> {
    const split = isBatch(frames, 0) ? splitBatch(frames, 0) : undefined;
    const count = split?.ok ? split.messages.length : 1;
    const startMs = performance.now();
    const records: SendRecord[] = Array.from({ length: count }, () => ({ peer: this.peer, startMs }));
    this.log.sends.push(...records);
    return this.inner.send(frames).then(
      () => {
        for (const r of records) {
          r.endMs = performance.now();
          r.outcome = "ok";
        }
      },
      (err: unknown) => {
        for (const r of records) {
          r.endMs = performance.now();
          r.outcome = err instanceof PortError ? err.code : "EOTHER";
        }
        throw err;
      },
    );
  }

  receive(): Promise<Buffer[]> {
    return this.inner.receive();
  }

  close(): void {
    this.inner.close();
  }

  onEvent(listener: (e: SocketEvent) => void): () => void {
    return this.inner.onEvent(listener);
  }
}
