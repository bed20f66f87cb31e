/**
 * A SocketFactory that records where a client's requests go: it wraps the zeromq.js
 * factory (DriverOptions.ports), and every request a DEALER sends is logged with the host
 * that DEALER connects to (the pool keeps one DEALER per host), the time, the message id,
 * and the "id" argument the test gave the call. The first send of a message id to a host
 * is a routing decision (a pick, or a move after failover); later ones to the same host
 * are resends. It also logs each DEALER's connection events (handshake done, connection
 * dropped), so a test can tell what the client knew when it sent. The driver is not
 * changed: this only watches its port.
 */
import type { PortSocket, RouterOptions, SocketFactory, SocketOptions } from "../../../src/internal.js";
import { decodeRequest, isBatch, splitBatch, toBuffers } from "../../../src/internal.js";

export interface SendRecord {
  /** performance.timeOrigin + performance.now() at the send: comparable across processes. */
  atMs: number;
  host: string;
  messageId: string;
  /** The call's "id" argument (the test's name for it), if any. */
  callId: string | undefined;
  /** False for the first send of this message id to this host. */
  resend: boolean;
}

/** A connection event of a pooled DEALER (connect: its handshake completed; disconnect: the connection dropped). */
export interface ConnectionRecord {
  atMs: number;
  host: string;
  type: "connect" | "disconnect";
}

const PEER = Buffer.from("p");

export class SendRecorder implements SocketFactory {
  readonly sends: SendRecord[] = [];
  readonly connections: ConnectionRecord[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly inner: SocketFactory) {}

  router(options: RouterOptions): PortSocket {
    return this.inner.router(options);
  }

  dealer(options: SocketOptions): PortSocket {
    const socket = this.inner.dealer(options);
    let host = "";
    socket.onEvent((e) => {
      if (e.type === "connect" || e.type === "disconnect")
        this.connections.push({ atMs: performance.timeOrigin + performance.now(), host, type: e.type });
    });
    const record = (frames: readonly Buffer[]): void => {
      const d = decodeRequest([PEER, ...frames]);
      if (!d.ok) return;
      const { messageId, message } = d.value;
      const key = `${messageId} ${host}`;
      const id = "args" in message ? message.args.id : undefined;
      this.sends.push({
        atMs: performance.timeOrigin + performance.now(),
        host,
        messageId,
        callId: typeof id === "string" ? id : undefined,
        resend: this.seen.has(key),
      });
      this.seen.add(key);
    };
    return {
      bind: (address) => socket.bind(address),
      connect: (address) => {
        host = address;
        socket.connect(address);
      },
      disconnect: (address) => socket.disconnect(address),
      send: (sent) => {
        const frames = toBuffers(sent); // the id and a short payload may come as text (ports/socket.ts)
        // A batch envelope (spec/codec.md, "Batches"): each of its requests is a send of its own here.
        const split = isBatch(frames, 0) ? splitBatch(frames, 0) : undefined;
        if (split?.ok) for (const m of split.messages) record(m);
        else record(frames);
        return socket.send(sent);
      },
      receive: () => socket.receive(),
      close: () => socket.close(),
      get closed() {
        return socket.closed;
      },
      onEvent: (listener) => socket.onEvent(listener),
    };
  }

  close(): void {
    this.inner.close();
  }

  /** The records from index `from` on (a test asks for what came since its last look). */
  since(from: number): SendRecord[] {
    return this.sends.slice(from);
  }
}
