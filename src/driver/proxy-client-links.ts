/**
 * A proxy-mode client's links (spec/proxy.md): one DEALER to every live proxy's frontend,
 * all with the same identity, and the virtual DEALERs the socket pool gets, one per server
 * host (or per published host, for a fanout). A virtual DEALER's send picks a link through
 * the hop table (src/core/proxy-hops.ts) and sends ROUTE or PUBLISH; what a link reads
 * (FROM) goes to the virtual DEALER of the host the hop table knows for its message id.
 * A link that drops, or a proxy that leaves the matchmaker, moves its unanswered messages
 * to another link; a NO-ROUTE notice moves one. Virtual DEALERs never report a proxy's
 * failure as their server's: the delivery core does not see it.
 */
import { HopTable } from "../core/proxy-hops.js";
import {
  PROXY_FRONTEND_KEY,
  PUBLISHED_HOST_PREFIX,
  parseClientInbound,
  routeFrames,
  type ProxyOp,
} from "../core/proxy-frames.js";
import { randomId } from "../ports/rng.js";
import { toBuffers } from "../core/out-frames.js";
import { PortError, type PortSocket, type SendFrame, type SocketEvent } from "../ports/socket.js";
import { ProxyDirectory } from "./proxy-directory.js";
import { openProxyLink, type ProxyLinkSocket, type ProxyPortDeps } from "./proxy-link.js";

/** The ports and options the client's links are built from. */
export type ProxyLinkDeps = ProxyPortDeps;

type Link = ProxyLinkSocket;

export interface ProxyClientStats {
  /** FROM or NO-ROUTE frames that did not parse, or a FROM for no open virtual socket. */
  strayInbound: number;
}

export class ProxyClientLinks {
  readonly identity: string;
  readonly hops: HopTable;
  readonly stats: ProxyClientStats = { strayInbound: 0 };
  private readonly links = new Map<string, Link>();
  private readonly virtual = new Map<string, VirtualDealer>();
  private readonly directory: ProxyDirectory;
  private started = false;
  private closed = false;
  private linkWaiters: (() => void)[] = [];

  constructor(private readonly deps: ProxyLinkDeps) {
    this.identity = `cli-${randomId(deps.rng)}`;
    this.hops = new HopTable(Math.max(deps.options.rpcResponseTimeoutMs, 1000) + 1000);
    this.directory = new ProxyDirectory(
      deps.matchmaker,
      deps.clock,
      PROXY_FRONTEND_KEY,
      deps.options.registrationRefreshMs,
      (added, removed) => this.proxiesChanged(added, removed),
    );
  }

  /** A virtual DEALER for the socket pool. */
  dealer(): PortSocket {
    if (!this.started && !this.closed) {
      this.started = true;
      void this.directory.start();
    }
    return new VirtualDealer(this);
  }

  get linkCount(): number {
    return this.links.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.directory.close();
    for (const l of this.links.values()) {
      l.queue.close();
      l.socket.close();
    }
    this.links.clear();
    for (const w of this.linkWaiters.splice(0)) w();
  }

  attach(host: string, v: VirtualDealer): void {
    this.virtual.set(host, v);
    if (this.hops.upLinks.length > 0) v.emit({ type: "connect", address: host });
  }

  detach(host: string, v: VirtualDealer): void {
    if (this.virtual.get(host) === v) this.virtual.delete(host);
  }

  /** Sends a direct-mode request `["", "1.0", type, id, payload]` to `host` through a proxy. */
  async send(host: string, frames: readonly Buffer[]): Promise<void> {
    if (this.closed) throw new PortError("ECLOSED", "proxy links are closed");
    const published = host.startsWith(PUBLISHED_HOST_PREFIX);
    const op: (typeof ProxyOp)["ROUTE" | "PUBLISH"] = published ? "P" : "R";
    const wire = routeFrames(op, published ? host.slice(PUBLISHED_HOST_PREFIX.length) : host, frames);
    const id = frames[3]!.toString("utf8");
    const untilReply = frames[2]!.toString("latin1") === "1";
    let link = this.hops.send(id, host, wire, untilReply, this.deps.clock.nowMs());
    if (link === undefined) {
      await this.waitForLink();
      link = this.hops.send(id, host, wire, untilReply, this.deps.clock.nowMs());
      if (link === undefined) throw new PortError("EAGAIN", "no proxy known (matchmaker key proxy:frontend is empty)");
    }
    const l = this.links.get(link)!;
    return l.queue.enqueue(wire);
  }

  /** Waits up to sendTimeoutMs for the first link. */
  private waitForLink(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.deps.clock.setTimer(this.deps.options.sendTimeoutMs, resolve);
      this.linkWaiters.push(() => {
        this.deps.clock.clearTimer(timer);
        resolve();
      });
    });
  }

  private proxiesChanged(added: string[], removed: string[]): void {
    if (this.closed) return;
    for (const address of added) this.openLink(address);
    for (const address of removed) {
      const l = this.links.get(address);
      if (l === undefined) continue;
      this.links.delete(address);
      this.resend(this.hops.removeLink(address));
      l.queue.close();
      l.socket.close();
    }
  }

  private openLink(address: string): void {
    const link = openProxyLink(this.deps, this.identity);
    const socket = link.socket;
    this.links.set(address, link);
    this.hops.addLink(address);
    socket.onEvent((e) => {
      if (this.links.get(address) !== link) return;
      if (e.type === "connect") this.linkUp(address);
      else if (e.type === "disconnect") this.resend(this.hops.linkDown(address));
    });
    try {
      socket.connect(address);
    } catch {
      /* a malformed address from the matchmaker: the link never comes up */
    }
    void this.receiveLoop(address, socket);
    for (const w of this.linkWaiters.splice(0)) w();
  }

  private linkUp(address: string): void {
    const first = this.hops.upLinks.length === 0;
    this.hops.linkUp(address);
    for (const w of this.linkWaiters.splice(0)) w();
    if (first) for (const [host, v] of this.virtual) v.emit({ type: "connect", address: host });
  }

  private resend(moves: { id: string; link: string; frames: readonly Buffer[] }[]): void {
    for (const m of moves)
      this.links
        .get(m.link)
        ?.queue.enqueue(m.frames)
        .catch(() => undefined);
  }

  private async receiveLoop(address: string, socket: PortSocket): Promise<void> {
    while (!socket.closed) {
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch {
        return;
      }
      const m = parseClientInbound(frames);
      if (m === undefined) {
        this.stats.strayInbound++;
        continue;
      }
      if (m.op === "N") {
        const host = this.hops.hostOf(m.messageId);
        const next = this.hops.noRoute(m.messageId, address);
        if (next !== undefined && !("dropped" in next)) this.resend([next]);
        // Every live proxy refused it: the server is connected to none, as good as a
        // dropped connection in direct mode (the delivery core's failover rule applies),
        // and a message every proxy refused surely never reached it: it moves like a failed send.
        else if (next !== undefined && host !== undefined)
          this.virtual
            .get(host)
            ?.emit({ type: "disconnect", address: host, undelivered: next.undelivered ? [m.messageId] : [] });
        continue;
      }
      const host = this.hops.answered(m.messageId, m.type) ?? m.server;
      const v = this.virtual.get(host);
      if (v === undefined) this.stats.strayInbound++;
      else v.deliver(m.request);
    }
  }
}

/** What the socket pool holds for one host in proxy mode: sends through the links, reads what they route to it. */
class VirtualDealer implements PortSocket {
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
