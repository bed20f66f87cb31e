/**
 * A listener's socket in proxy mode (spec/proxy.md): a virtual ROUTER over one DEALER per
 * live proxy backend, all with the listener's identity `proxied:srv-…`, which is also the
 * "host" it registers. The listener (rpc-listener.ts) cannot tell it from a ROUTER:
 * - receive() gives `[client, "", ...body]` for every MESSAGE a link reads; a published
 *   one whose key is not exactly one of this listener's keys is dropped (counted);
 * - send(`[client, "", ...body]`) sends BACK through the link the request it answers came
 *   on (same client and message id), else the link the client's latest message came on, or
 *   another link that is up; with no link at all it fails with EHOSTUNREACH (the listener
 *   counts a reply to a vanished client). The reply takes its request's path so that the
 *   client, which resends whatever was on a proxy that failed, covers a reply lost in that
 *   proxy too: answered by the same route as the latest message instead, a call's reply
 *   could be lost in a proxy its request never crossed, and nothing would resend it
 *   (test/redis/proxy-modes.acceptance.test.ts › "SIGKILL one of two proxies …");
 * - bind() starts following the proxies and returns the identity.
 * - Batches (spec/proxy.md, "Batches through proxies"): a MESSAGE may carry a batch of
 *   requests, which the listener reads as in direct mode, and its replies may leave in a
 *   batch, which goes as one BACK when all its messages' requests came on one link and a
 *   batch came on that link since it connected (its proxy forwards them); else one by one.
 * Its keys (subscribe) go to every proxy as SUBSCRIBE on every connect of a link.
 * Back-pressure: the links stop reading while `receiveHighWaterMark` messages wait.
 */
import { isBatch, readBatch, RECORD_HEAD, splitBatch } from "../core/batch-frames.js";
import {
  PROXIED_HOST_PREFIX,
  PROXY_BACKEND_KEY,
  backFrames,
  parseServerInbound,
  subscribeFrames,
} from "../core/proxy-frames.js";
import { sleepOn } from "../ports/clock.js";
import { randomId } from "../ports/rng.js";
import { toBuffers } from "../core/out-frames.js";
import { PortError, type PortSocket, type RouterOptions, type SendFrame, type SocketEvent } from "../ports/socket.js";
import { ProxyDirectory } from "./proxy-directory.js";
import { openProxyLink, type ProxyLinkSocket, type ProxyPortDeps } from "./proxy-link.js";

/** The ports and options a listener's links are built from. */
export type ProxyServerDeps = ProxyPortDeps;

interface Link extends ProxyLinkSocket {
  up: boolean;
  /** A batch came on it since it connected: the proxy behind it forwards batches. */
  batches: boolean;
}

/** How many clients' latest links are remembered (oldest forgotten first). */
const LAST_LINK_BOUND = 10_000;
/** The reply type frame (codec.ts): a reply ends its request's entry; an ACK does not. */
const REPLY_TYPE = "5";

/** Sets `key` as the newest entry of `map`, forgetting the oldest beyond LAST_LINK_BOUND. */
function remember(map: Map<string, string>, key: string, value: string): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > LAST_LINK_BOUND) map.delete(map.keys().next().value!);
}

/** The key of one client's message `id` frame (index 4 of `[client, "", version, type, id, payload]`). */
function requestKey(client: string, id: Buffer | undefined): string | undefined {
  return id === undefined ? undefined : `${client}\u0000${id.toString("latin1")}`;
}

/** requestKey of each message in a batch `[client, "", "2.0", records]`, with its type; none when the envelope does not fit. */
function batchKeys(client: string, frames: readonly Buffer[]): { key: string; type: number }[] {
  const keys: { key: string; type: number }[] = [];
  const refused = readBatch(frames, 1, (records, at, idEnd) =>
    keys.push({ key: `${client}\u0000${records.toString("latin1", at + RECORD_HEAD, idEnd)}`, type: records[at]! }),
  );
  return refused === undefined ? keys : [];
}
/** Messages read from the links and not yet taken by the listener, before the links pause. */
const INBOX_BOUND = 1000;

export interface ProxyServerStats {
  /** Published MESSAGEs for a key this listener is not subscribed to. */
  wrongKey: number;
  malformed: number;
}

export class ProxyServerSocket implements PortSocket {
  readonly identity: string;
  readonly stats: ProxyServerStats = { wrongKey: 0, malformed: 0 };
  private keys: string[] = [];
  private readonly links = new Map<string, Link>();
  private readonly lastLink = new Map<string, string>();
  /** `client \0 message id` -> the link the request came on, until its reply leaves (bounded, oldest first). */
  private readonly requestLink = new Map<string, string>();
  private readonly inbox: Buffer[][] = [];
  private waiting: { resolve: (f: Buffer[]) => void; reject: (e: Error) => void } | undefined;
  private spaceWaiters: (() => void)[] = [];
  private readonly listeners = new Set<(e: SocketEvent) => void>();
  private readonly directory: ProxyDirectory;
  private rr = 0;
  closed = false;

  constructor(
    private readonly deps: ProxyServerDeps,
    private readonly socketOptions: RouterOptions,
    private readonly onClose: (s: ProxyServerSocket) => void,
  ) {
    this.identity = `${PROXIED_HOST_PREFIX}${socketOptions.routingId ?? `srv-${randomId(deps.rng)}`}`;
    this.directory = new ProxyDirectory(
      deps.matchmaker,
      deps.clock,
      PROXY_BACKEND_KEY,
      deps.options.registrationRefreshMs,
      (added, removed) => this.proxiesChanged(added, removed),
    );
  }

  async bind(): Promise<string> {
    if (this.closed) throw new PortError("ECLOSED", "socket closed");
    await this.directory.start();
    // Registered only once its links are connected (or sendTimeoutMs passed), so that the
    // first client to find it in the matchmaker can reach it through the proxies.
    const end = this.deps.clock.nowMs() + this.deps.options.sendTimeoutMs;
    while ([...this.links.values()].some((l) => !l.up) && this.deps.clock.nowMs() < end && !this.closed)
      await sleepOn(this.deps.clock, 5);
    return this.identity;
  }

  /** The exact keys published messages may carry to this listener; sent to every proxy. */
  subscribe(keys: readonly string[]): void {
    this.keys = [...keys];
    for (const l of this.links.values()) if (l.up) this.sendSubscribe(l);
  }

  get subscribedKeys(): readonly string[] {
    return this.keys;
  }

  connect(): void {
    throw new PortError("EINVAL", "a proxy-mode server socket does not connect");
  }

  disconnect(): void {}

  send(sent: readonly SendFrame[]): Promise<void> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "socket closed"));
    const frames = toBuffers(sent); // read and re-framed below: text as its UTF-8 bytes
    const client = frames[0]!.toString("latin1");
    if (isBatch(frames, 1)) return this.sendBatch(client, frames);
    const key = requestKey(client, frames[4]);
    const via = key === undefined ? undefined : this.requestLink.get(key);
    if (key !== undefined && frames[3]?.toString("latin1") === REPLY_TYPE) this.requestLink.delete(key);
    const link = this.pickLink(client, via);
    if (link === undefined) return Promise.reject(new PortError("EHOSTUNREACH", "no proxy link"));
    return link.queue.enqueue(backFrames(frames));
  }

  /**
   * A batch of replies and ACKs to `client`: one BACK on the link all their requests came
   * on, while it is up and has carried a batch since it connected; else one BACK per
   * message, each on its request's link (or that of a single reply, should it be down).
   */
  private sendBatch(client: string, frames: Buffer[]): Promise<void> {
    const keys = batchKeys(client, frames);
    const vias = new Set(keys.map((k) => this.requestLink.get(k.key)));
    const via = vias.size === 1 ? [...vias][0] : undefined;
    const link = via === undefined ? undefined : this.links.get(via);
    if (link?.batches && link.up) {
      for (const k of keys) if (k.type === REPLY_TYPE.charCodeAt(0)) this.requestLink.delete(k.key);
      return link.queue.enqueue(backFrames(frames));
    }
    const split = splitBatch(frames, 1);
    if (!split.ok) return Promise.reject(new PortError("EINVAL", `not a batch: ${split.reason}`)); // our own queue made it
    return Promise.all(split.messages.map((m) => this.send(m))).then(() => undefined);
  }

  receive(): Promise<Buffer[]> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "socket closed"));
    const next = this.inbox.shift();
    if (next !== undefined) {
      if (this.inbox.length < INBOX_BOUND) for (const w of this.spaceWaiters.splice(0)) w();
      return Promise.resolve(next);
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
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
    this.waiting?.reject(new PortError("ECLOSED", "socket closed"));
    this.waiting = undefined;
    for (const w of this.spaceWaiters.splice(0)) w();
    this.onClose(this);
    for (const l of this.listeners) l({ type: "close" });
  }

  onEvent(listener: (e: SocketEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get linkCount(): number {
    return this.links.size;
  }

  private pickLink(client: string, via: string | undefined): Link | undefined {
    const came = via === undefined ? undefined : this.links.get(via);
    if (came?.up) return came;
    const last = this.lastLink.get(client);
    const l = last === undefined ? undefined : this.links.get(last);
    if (l?.up) return l;
    const all = [...this.links.values()];
    if (all.length === 0) return undefined;
    for (let i = 0; i < all.length; i++) {
      const c = all[(this.rr + i) % all.length]!;
      if (c.up) {
        this.rr = (this.rr + i + 1) % all.length;
        return c;
      }
    }
    return l ?? all[0];
  }

  private sendSubscribe(l: Link): void {
    l.queue.enqueue(subscribeFrames(this.keys)).catch(() => undefined);
  }

  private proxiesChanged(added: string[], removed: string[]): void {
    if (this.closed) return;
    for (const address of added) this.openLink(address);
    for (const address of removed) {
      const l = this.links.get(address);
      if (l === undefined) continue;
      this.links.delete(address);
      l.queue.close();
      l.socket.close();
    }
  }

  private openLink(address: string): void {
    const link: Link = { ...openProxyLink(this.deps, this.identity, this.socketOptions), up: false, batches: false };
    const socket = link.socket;
    this.links.set(address, link);
    socket.onEvent((e) => {
      if (this.links.get(address) !== link) return;
      if (e.type === "connect") {
        link.up = true;
        this.sendSubscribe(link);
      } else if (e.type === "disconnect") {
        link.up = false;
        link.batches = false; // it may come back to a proxy from before batches
        for (const l of this.listeners) l(e);
      }
    });
    try {
      socket.connect(address);
    } catch {
      /* a malformed address from the matchmaker: the link never comes up */
    }
    void this.receiveLoop(address, link);
  }

  private async receiveLoop(address: string, link: Link): Promise<void> {
    const socket = link.socket;
    while (!socket.closed && !this.closed) {
      if (this.inbox.length >= INBOX_BOUND) await new Promise<void>((r) => this.spaceWaiters.push(r));
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch {
        return;
      }
      const m = parseServerInbound(frames);
      if (m === undefined) {
        this.stats.malformed++;
        continue;
      }
      // Exact topic matching, checked again here: the key must equal one of ours, byte for byte.
      if (m.via !== "" && !this.keys.includes(m.via)) {
        this.stats.wrongKey++;
        continue;
      }
      const client = m.client.toString("latin1");
      remember(this.lastLink, client, address);
      if (isBatch(m.routerFrames, 1)) {
        link.batches = true;
        for (const k of batchKeys(client, m.routerFrames)) remember(this.requestLink, k.key, address);
      } else {
        const key = requestKey(client, m.routerFrames[4]);
        if (key !== undefined) remember(this.requestLink, key, address);
      }
      const w = this.waiting;
      if (w !== undefined) {
        this.waiting = undefined;
        w.resolve(m.routerFrames);
      } else this.inbox.push(m.routerFrames);
    }
  }
}
