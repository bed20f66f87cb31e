/**
 * A proxy-mode client's links (spec/proxy.md): one DEALER to every live proxy's frontend,
 * all with the same identity, and the virtual DEALERs the socket pool gets, one per server
 * host (or per published host, for a fanout). A virtual DEALER's send picks a link through
 * the hop table (src/core/proxy-hops.ts) and sends ROUTE or PUBLISH; what a link reads
 * (FROM) goes to the virtual DEALER of the host the hop table knows for its message id.
 * A link that drops, or a proxy that leaves the matchmaker, moves its unanswered messages
 * to another link; a NO-ROUTE notice moves one. Virtual DEALERs never report a proxy's
 * failure as their server's: the delivery core does not see it.
 *
 * Batches (spec/proxy.md, "Batches through proxies"): a virtual DEALER's send queue
 * coalesces requests to a server that reads batches as in direct mode; a batch goes as one
 * ROUTE through a link to a proxy registered under PROXY_BATCH_FRONTEND_KEY, else as its
 * messages one by one. Each message keeps its own hop (a resend goes alone), and a FROM
 * carrying a batch of answers goes whole to the virtual DEALER of their host.
 */
import { HopTable } from "../core/proxy-hops.js";
import { isBatch, splitBatch } from "../core/batch-frames.js";
import {
  PROXY_BATCH_FRONTEND_KEY,
  PROXY_FRONTEND_KEY,
  PUBLISHED_HOST_PREFIX,
  parseClientInbound,
  routeFrames,
  type ProxyOp,
} from "../core/proxy-frames.js";
import { randomId } from "../ports/rng.js";
import { PortError, type PortSocket } from "../ports/socket.js";
import type { SendQueue } from "../pool/send-queue.js";
import { ProxyDirectory } from "./proxy-directory.js";
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
   * `["", "2.0", records]`, to `host` through a proxy.
   */
  async send(host: string, frames: readonly Buffer[]): Promise<void> {
    if (this.closed) throw new PortError("ECLOSED", "proxy links are closed");
    if (isBatch(frames, 0)) return this.sendBatch(host, frames);
    const published = host.startsWith(PUBLISHED_HOST_PREFIX);
    const op: (typeof ProxyOp)["ROUTE" | "PUBLISH"] = published ? "P" : "R";
    const wire = routeFrames(op, published ? host.slice(PUBLISHED_HOST_PREFIX.length) : host, frames);
    // A fanout without acks is not sent again after its link failed (proxy-hops.ts).
    const moves = !published || this.deps.options.acks;
    const link = this.record(frames, host, wire, moves) ?? (await this.recordOnceLinked(frames, host, wire, moves));
    return this.enqueue(link, [[idOf(frames), wire]], wire);
  }

  /**
   * Sends `wire` on `link`. Refused (it never left), the hops of `sent` (id, recorded
   * frames) go and the send fails, unless the hop table already sent them again through
   * another link (`link` went down while they waited on it): they are on their way, and
   * failing the send would have the delivery core send them to another server as well.
   */
  private async enqueue(
    link: string,
    sent: readonly (readonly [string, readonly Buffer[]])[],
    wire: readonly Buffer[],
  ): Promise<void> {
    try {
      await this.queueOf(link).enqueue(wire);
    } catch (err) {
      if (sent.some(([id]) => this.movedOff(id, link))) return;
      for (const [id, frames] of sent) this.hops.unsent(id, frames);
      throw err;
    }
  }

  /** Whether the hop table moved message `id` from `link` to another one (sent it again there). */
  private movedOff(id: string, link: string): boolean {
    const now = this.hops.linkOf(id);
    return now !== undefined && now !== link;
  }

  /**
   * A batch of requests to one server, all through the link the first message's hop picked
   * (each message recorded in the hop table with its own 1.0 ROUTE, for a resend): one
   * ROUTE when that link's proxy forwards batches, else one ROUTE per message (the batch was
   * made before the link was picked). Either way the batch has one fate as the socket pool
   * sees it. Split, it is refused whole when the link's queue cannot take every message
   * (nothing left, so the delivery core may send them elsewhere), and it is sent as soon as
   * one of them left: rejecting it then would have the core send the delivered ones again,
   * to another server; a message that failed after its neighbours left is on a link that
   * failed, which the hop table (link down) or an ACK timeout covers.
   */
  private async sendBatch(host: string, frames: readonly Buffer[]): Promise<void> {
    const split = splitBatch(frames, 0);
    if (!split.ok) throw new PortError("EINVAL", `not a batch: ${split.reason}`); // our own queue made it
    const [first, ...rest] = split.messages as [Buffer[], ...Buffer[][]];
    const firstWire = routeFrames("R", host, first);
    const link = this.record(first, host, firstWire) ?? (await this.recordOnceLinked(first, host, firstWire));
    const queue = this.links.get(link)?.queue;
    const whole = this.batchFrontends.has(link);
    if (queue === undefined || (!whole && !queue.hasRoomFor(split.messages.length))) {
      this.hops.unsent(idOf(first), firstWire);
      throw new PortError("EAGAIN", `proxy link queue cannot take the ${split.messages.length} messages of a batch`);
    }
    const nowMs = this.deps.clock.nowMs();
    const sent: [string, readonly Buffer[]][] = [[idOf(first), firstWire]];
    for (const m of rest) {
      const wire = routeFrames("R", host, m);
      this.hops.send(idOf(m), host, wire, isCall(m), nowMs, link);
      sent.push([idOf(m), wire]);
    }
    if (whole) return this.enqueue(link, sent, routeFrames("R", host, frames));
    // A piece the hop table moved meanwhile counts as sent; one that failed after another
    // left keeps its hop (the core counts it as sent: a link-down may still deliver it).
    const pieces = sent.map(([id, w]) =>
      queue.enqueue(w).catch((err: unknown) => {
        if (!this.movedOff(id, link)) throw err;
      }),
    );
    return Promise.any(pieces).then(
      () => undefined,
      (all: AggregateError) => {
        for (const [id, w] of sent) this.hops.unsent(id, w); // none left
        return Promise.reject(all.errors[0]);
      },
    );
  }

  /** Records the first send of the 1.0 message `frames` (its ROUTE or PUBLISH: `wire`); its link, if one is known. */
  private record(frames: readonly Buffer[], host: string, wire: readonly Buffer[], moves = true): string | undefined {
    return this.hops.send(idOf(frames), host, wire, isCall(frames), this.deps.clock.nowMs(), undefined, moves);
  }

  /** record, after waiting for a first link. */
  private async recordOnceLinked(
    frames: readonly Buffer[],
    host: string,
    wire: readonly Buffer[],
    moves = true,
  ): Promise<string> {
    await this.waitForLink();
    const link = this.record(frames, host, wire, moves);
    if (link === undefined) throw new PortError("EAGAIN", "no proxy known (matchmaker key proxy:frontend is empty)");
    return link;
  }

  private queueOf(link: string): SendQueue {
    const l = this.links.get(link);
    if (l === undefined) throw new PortError("EAGAIN", "the proxy link is gone"); // the hop table moves its messages
    return l.queue;
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

/** The message id of a 1.0 request `["", "1.0", type, id, payload]`. */
function idOf(frames: readonly Buffer[]): string {
  return frames[3]!.toString("utf8");
}

/** Whether a 1.0 request is a CALL ("1"), whose hop lasts until its reply (an ACK only says the server has it). */
function isCall(frames: readonly Buffer[]): boolean {
  return frames[2]![0] === 0x31;
}
