/**
 * A proxy-mode client's links (spec/proxy.md): one DEALER to every live proxy's frontend,
 * all with the same identity, and the virtual DEALERs the socket pool gets, one per server
 * host (or per published host, for a fanout). A virtual DEALER's send goes through the
 * route sender (proxy-route-sender.ts: the hop table picks a link, ROUTE or PUBLISH); what a link reads
 * (FROM) goes to the virtual DEALER of the host the hop table knows for its message id.
 * A link that drops, or a proxy that leaves the matchmaker, moves its unanswered messages
 * to another link; a NO-ROUTE notice moves one. Virtual DEALERs never report a proxy's
 * failure as their server's: the delivery core does not see it.
 *
 * Batches (spec/proxy.md, "Batches through proxies"): a virtual DEALER's send queue
 * coalesces requests to a server that reads batches as in direct mode; the route sender
 * sends a batch as one ROUTE through a link to a proxy registered under
 * PROXY_BATCH_FRONTEND_KEY (this class follows that key), else as its messages one by one.
 * Each message keeps its own hop (a resend goes alone), and a FROM
 * carrying a batch of answers goes whole to the virtual DEALER of their host.
 */
import { HopTable } from "../core/proxy-hops.js";
import { PROXY_BATCH_FRONTEND_KEY, PROXY_FRONTEND_KEY, parseClientInbound } from "../core/proxy-frames.js";
import { randomId } from "../ports/rng.js";
import { PortError, type PortSocket } from "../ports/socket.js";
import { ProxyDirectory } from "./proxy-directory.js";
import { RouteSender } from "./proxy-route-sender.js";
import { VirtualDealer } from "./virtual-dealer.js";
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
  /** The frontends that forward batches (PROXY_BATCH_FRONTEND_KEY). */
  private readonly batchDirectory: ProxyDirectory;
  private readonly batchFrontends = new Set<string>();
  private started = false;
  private closed = false;
  private linkWaiters: (() => void)[] = [];
  private readonly sender: RouteSender;

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
    this.batchDirectory = new ProxyDirectory(
      deps.matchmaker,
      deps.clock,
      PROXY_BATCH_FRONTEND_KEY,
      deps.options.registrationRefreshMs,
      (added, removed) => {
        for (const a of added) this.batchFrontends.add(a);
        for (const a of removed) this.batchFrontends.delete(a);
      },
    );
    this.sender = new RouteSender(
      {
        hops: this.hops,
        queue: (link) => this.links.get(link)?.queue,
        forwardsBatches: (link) => this.batchFrontends.has(link),
        waitForLink: () => this.waitForLink(),
      },
      deps.clock,
      deps.options.acks,
    );
  }

  /** A virtual DEALER for the socket pool. */
  dealer(): PortSocket {
    if (!this.started && !this.closed) {
      this.started = true;
      void this.directory.start();
      void this.batchDirectory.start();
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
    this.batchDirectory.close();
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

  /**
   * Sends a direct-mode request `["", "1.0", type, id, payload]`, or a batch of them
   * `["", "2.0", records]`, to `host` through a proxy (proxy-route-sender.ts).
   */
  send(host: string, frames: readonly Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "proxy links are closed"));
    return this.sender.send(host, frames);
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

  /** The proxy behind `address` could not route message `id`. */
  private noRoute(id: string, address: string): void {
    const host = this.hops.hostOf(id);
    const next = this.hops.noRoute(id, address);
    if (next !== undefined && !("dropped" in next)) this.resend([next]);
    // Every live proxy refused it: the server is connected to none, as good as a
    // dropped connection in direct mode (the delivery core's failover rule applies),
    // and a message every proxy refused surely never reached it: it moves like a failed send.
    else if (next !== undefined && host !== undefined)
      this.virtual.get(host)?.emit({ type: "disconnect", address: host, undelivered: next.undelivered ? [id] : [] });
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
        for (const id of m.messageIds) this.noRoute(id, address);
        continue;
      }
      // Every answer in a batch is for the same host (a server batches for one client's batches only).
      let host: string | undefined;
      for (const a of m.answers) host = this.hops.answered(a.messageId, a.type) ?? host;
      host ??= m.server;
      const v = this.virtual.get(host);
      if (v === undefined) this.stats.strayInbound++;
      else v.deliver(m.request);
    }
  }
}
