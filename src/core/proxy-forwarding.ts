/**
 * The proxy's forwarding core (spec/proxy.md): what a proxy does with each message, as
 * effects. Pure and synchronous: the shell (src/driver/proxy-shell.ts) reads its two
 * ROUTERs, hands every message here and performs the effects.
 *
 * - ROUTE from a client: forward to the server identity it names on the backend; should
 *   that identity not be connected (the backend ROUTER is mandatory: EHOSTUNREACH), the
 *   shell calls unreachable() and the client gets a NO-ROUTE notice, never silence: one
 *   notice naming every message when the ROUTE carried a batch.
 * - PUBLISH from a client: one MESSAGE to every identity subscribed to exactly its key
 *   (a Map lookup: no prefix of a key ever matches), or NO-ROUTE when there is none here.
 * - BACK from a server (a reply or an ACK): forward to the client identity it names.
 * - SUBSCRIBE from a server: replaces that identity's keys.
 * - Anything else: dropped with a named reason and counted.
 *
 * The only state is the subscription table: per identity its keys, per key its identities,
 * in subscription order (so the copies of a publish go out in a deterministic order).
 */
import {
  BODY_FRAMES,
  fromFrames,
  messageFrames,
  noRouteFrames,
  parseClientMessage,
  parseServerMessage,
  type ProxyDropReason,
} from "./proxy-frames.js";

export type ProxySide = "frontend" | "backend";

export interface ProxySend {
  kind: "send";
  side: ProxySide;
  /** The peer it routes to (also frames[0]). */
  peer: Buffer;
  frames: Buffer[];
  /** A route's: when this send finds its peer gone, the client gets a NO-ROUTE notice for each of these ids. */
  noRoute?: { client: Buffer; destination: Buffer; ids: Buffer[] };
}

export interface ProxyDrop {
  kind: "drop";
  reason: ProxyDropReason;
}

export type ProxyEffect = ProxySend | ProxyDrop;

export interface ProxyStats {
  /** Requests routed (a ROUTE carrying a batch counts its messages). */
  routed: number;
  /** ROUTEs and BACKs that carried a batch (forwarded whole). */
  batches: number;
  published: number;
  /** MESSAGEs a publish became (one per subscriber). */
  publishedCopies: number;
  back: number;
  subscribes: number;
  dropped: Record<ProxyDropReason, number>;
}

export function zeroProxyStats(): ProxyStats {
  return {
    routed: 0,
    batches: 0,
    published: 0,
    publishedCopies: 0,
    back: 0,
    subscribes: 0,
    dropped: { malformed: 0, "unknown-op": 0, "no-route": 0, "no-subscriber-copy": 0, "client-gone": 0 },
  };
}

const NO_VIA = Buffer.alloc(0);

export class ProxyCore {
  /** identity (latin1) -> its keys. */
  private readonly keysOf = new Map<string, Set<string>>();
  /** key -> identities (latin1) subscribed to exactly it, each with its routing frame. */
  private readonly subscribers = new Map<string, Map<string, Buffer>>();
  readonly stats: ProxyStats = zeroProxyStats();

  /** `batches` false: a batch body is malformed, as to a proxy from before batches (mixed-version tests). */
  constructor(readonly batches = true) {}

  /** A message the frontend ROUTER read: [client, "", op, destination, ...body]. */
  fromFrontend(frames: readonly Buffer[]): ProxyEffect[] {
    const m = parseClientMessage(frames, this.batches);
    if (typeof m === "string") return [this.drop(m)];
    const client = frames[0]!;
    if (m.op === "R") {
      this.stats.routed += m.ids.length;
      if (m.ids.length > 1 || m.body.length !== BODY_FRAMES) this.stats.batches++;
      return [
        {
          kind: "send",
          side: "backend",
          peer: m.destination,
          frames: messageFrames(m.destination, client, NO_VIA, m.body),
          noRoute: { client, destination: m.destination, ids: m.ids },
        },
      ];
    }
    const subs = this.subscribers.get(m.destination.toString("utf8"));
    if (subs === undefined || subs.size === 0) {
      return [this.drop("no-route"), this.notice(client, m.destination, m.ids)];
    }
    this.stats.published++;
    const out: ProxyEffect[] = [];
    for (const peer of subs.values()) {
      this.stats.publishedCopies++;
      out.push({ kind: "send", side: "backend", peer, frames: messageFrames(peer, client, m.destination, m.body) });
    }
    return out;
  }

  /** A message the backend ROUTER read: [server, "", "B", client, ...body] or [server, "", "S", ...keys]. */
  fromBackend(frames: readonly Buffer[]): ProxyEffect[] {
    const m = parseServerMessage(frames, this.batches);
    if (typeof m === "string") return [this.drop(m)];
    const server = frames[0]!;
    if (m.op === "S") {
      this.stats.subscribes++;
      this.subscribe(server, m.keys);
      return [];
    }
    this.stats.back++;
    if (m.body.length !== BODY_FRAMES) this.stats.batches++;
    return [{ kind: "send", side: "frontend", peer: m.client, frames: fromFrames(m.client, server, m.body) }];
  }

  /**
   * A send of `effect` found its peer gone (EHOSTUNREACH). A server identity loses its
   * subscriptions; a route's client gets its NO-ROUTE notice.
   */
  unreachable(effect: ProxySend): ProxyEffect[] {
    if (effect.side === "frontend") return [this.drop("client-gone")];
    this.subscribe(effect.peer, []);
    const r = effect.noRoute;
    if (r === undefined) return [this.drop("no-subscriber-copy")];
    this.stats.dropped["no-route"] += r.ids.length;
    return [this.notice(r.client, r.destination, r.ids)];
  }

  /** Identities subscribed to exactly `key`, in subscription order (tests, diagnostics). */
  subscribersOf(key: string): string[] {
    return [...(this.subscribers.get(key)?.keys() ?? [])];
  }

  /** Identities with at least one subscription. */
  get subscriberCount(): number {
    return this.keysOf.size;
  }

  private subscribe(peer: Buffer, keys: readonly string[]): void {
    const id = peer.toString("latin1");
    const old = this.keysOf.get(id);
    const next = new Set(keys);
    if (old !== undefined) {
      for (const k of old) {
        if (next.has(k)) continue;
        const subs = this.subscribers.get(k)!;
        subs.delete(id);
        if (subs.size === 0) this.subscribers.delete(k);
      }
    }
    if (next.size === 0) {
      this.keysOf.delete(id);
      return;
    }
    this.keysOf.set(id, next);
    for (const k of next) {
      if (old?.has(k)) continue;
      let subs = this.subscribers.get(k);
      if (subs === undefined) {
        subs = new Map();
        this.subscribers.set(k, subs);
      }
      subs.set(id, peer);
    }
  }

  private notice(client: Buffer, destination: Buffer, messageIds: readonly Buffer[]): ProxySend {
    return { kind: "send", side: "frontend", peer: client, frames: noRouteFrames(client, destination, messageIds) };
  }

  private drop(reason: ProxyDropReason): ProxyDrop {
    this.stats.dropped[reason]++;
    return { kind: "drop", reason };
  }
}
