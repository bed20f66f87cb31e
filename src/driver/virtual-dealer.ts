/**
 * A proxy-mode client's virtual DEALER (spec/proxy.md): what the socket pool holds for
 * one server host (or published host). Its sends go through the client's proxy links
 * (proxy-client-links.ts), which pick a proxy per message or batch; what the links read for
 * its host comes back through deliver(). It never binds, and it reports a connection when
 * the first link is up.
 */
import { toBuffers } from "../core/out-frames.js";
import { PortError, type PortSocket, type SendFrame, type SocketEvent } from "../ports/socket.js";
import type { ProxyClientLinks } from "./proxy-client-links.js";

/** What the socket pool holds for one host in proxy mode: sends through the links, reads what they route to it. */
export class VirtualDealer implements PortSocket {
  private host: string | undefined;
  private readonly inbox: Buffer[][] = [];
  private waiting: { resolve: (f: Buffer[]) => void; reject: (e: Error) => void } | undefined;
  private readonly listeners = new Set<(e: SocketEvent) => void>();
  closed = false;

  constructor(private readonly links: ProxyClientLinks) {}

  bind(): Promise<string> {
    return Promise.reject(new PortError("EINVAL", "a proxy-mode client socket does not bind"));
  }

  connect(host: string): void {
    this.host = host;
    // After the pool has registered the socket (it connects first, then records it).
    void Promise.resolve().then(() => {
      if (!this.closed) this.links.attach(host, this);
    });
  }

  disconnect(): void {}

  send(frames: readonly SendFrame[]): Promise<void> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "socket closed"));
    if (this.host === undefined) return Promise.reject(new PortError("EAGAIN", "not connected"));
    return this.links.send(this.host, toBuffers(frames)); // wrapped for a proxy below: text as its UTF-8 bytes
  }

  receive(): Promise<Buffer[]> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "socket closed"));
    const next = this.inbox.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  deliver(frames: Buffer[]): void {
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      w.resolve(frames);
    } else this.inbox.push(frames);
  }

  emit(e: SocketEvent): void {
    for (const l of this.listeners) l(e);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.host !== undefined) this.links.detach(this.host, this);
    this.waiting?.reject(new PortError("ECLOSED", "socket closed"));
    this.waiting = undefined;
    this.emit({ type: "close" });
  }

  onEvent(listener: (e: SocketEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
