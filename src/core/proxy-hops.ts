/**
 * A proxy-mode client's hop table (spec/proxy.md): which proxy link each unanswered
 * message went through, so that it can be sent again through another one. Pure and
 * synchronous; the shell (src/driver/proxy-client-links.ts) performs the sends.
 *
 * - Links are the client's DEALERs to the proxies' frontends, by address. A message goes
 *   through the next link that is up (round robin), or, when none is, the next known link
 *   (its DEALER waits for a connection up to its send timeout).
 * - An entry lives from its first send until its answer: a call's reply, any other
 *   request's ACK. Entries older than `maxAgeMs`, or beyond `maxEntries` (oldest first),
 *   are forgotten (counted): their requests have timed out or were never acknowledged.
 * - A link that goes down or leaves: every entry on it moves to another link that is up and
 *   has not refused it; the shell sends those again, with the same message id (a server
 *   process dedups by id, so a message never runs twice in it). Except a fanout without
 *   acks that may have left (its link was up since it was sent), which is dropped:
 *   published by key, its copy could reach a server restarted since the first, which has
 *   not seen its id (a call or cast names one server identity, which a restarted server
 *   does not have).
 * - A NO-ROUTE notice from a proxy: the entry moves to a link that has not refused it yet,
 *   or is dropped (counted) when every live proxy refused it; then, unless it was on a link
 *   that went down, its host surely never received it (the shell tells the delivery core).
 */

export interface HopResend {
  id: string;
  link: string;
  frames: readonly Buffer[];
}

/** A message every live proxy refused: dropped from the table; `undelivered`: its host surely never received it. */
export interface HopDropped {
  dropped: true;
  undelivered: boolean;
}

interface Hop {
  host: string;
  frames: readonly Buffer[];
  link: string;
  refusedBy: string[];
  /** It was on a link that went down: that proxy may have forwarded it before it failed. */
  mayHaveArrived: boolean;
  sentAtMs: number;
  /** A call: kept until its reply (an ACK only says the server has it). */
  untilReply: boolean;
  /** Sent again when its link goes down; false: dropped then, once it may have left (see send). */
  movesOnLinkDown: boolean;
  /** Its link was up since it was sent: it may have left the client. */
  mayHaveLeft: boolean;
}

export interface HopStats {
  resentLinkDown: number;
  resentNoRoute: number;
  noRouteDropped: number;
  /** Entries on a failed link with no other live link to go to. */
  strandedDropped: number;
  /** Entries on a failed link that are not sent again (movesOnLinkDown false). */
  unmovedDropped: number;
  forgotten: number;
}

export class HopTable {
  /** address -> up. Insertion order is the round-robin order. */
  private readonly links = new Map<string, boolean>();
  private next = 0;
  /** In first-send order (Map insertion order), so the oldest are first. */
  private readonly hops = new Map<string, Hop>();
  readonly stats: HopStats = {
    resentLinkDown: 0,
    resentNoRoute: 0,
    noRouteDropped: 0,
    strandedDropped: 0,
    unmovedDropped: 0,
    forgotten: 0,
  };

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  addLink(link: string): void {
    if (!this.links.has(link)) this.links.set(link, false);
  }

  linkUp(link: string): void {
    if (!this.links.has(link)) return;
    this.links.set(link, true);
    for (const hop of this.hops.values()) if (hop.link === link) hop.mayHaveLeft = true;
  }

  /** A link's connection dropped (it stays known and may come back up). */
  linkDown(link: string): HopResend[] {
    if (this.links.has(link)) this.links.set(link, false);
    return this.moveOff(link);
  }

  /** A link left (its proxy is no longer listed): forgotten, its entries moved. */
  removeLink(link: string): HopResend[] {
    this.links.delete(link);
    return this.moveOff(link);
  }

  get knownLinks(): string[] {
    return [...this.links.keys()];
  }

  get upLinks(): string[] {
    return [...this.links].filter(([, up]) => up).map(([l]) => l);
  }

  /**
   * Records the first send of message `id` to `host` and returns the link to send it on
   * (undefined: no link known): the next in round-robin order, or `via`, a known link, for
   * the other messages of a batch the first went with. `frames`: what a resend sends.
   * `movesOnLinkDown` false: should its link go down after having been up since the send
   * (the message may have left), the message is dropped, not sent again (a fanout without
   * acks: published by key, a copy sent again could reach a server restarted since the
   * first, which has not seen its id, and run there twice); one that waited on a link that
   * never came up still moves, as does one a NO-ROUTE refused (it reached no one).
   */
  send(
    id: string,
    host: string,
    frames: readonly Buffer[],
    untilReply: boolean,
    nowMs: number,
    via?: string,
    movesOnLinkDown = true,
  ): string | undefined {
    this.purge(nowMs);
    const link = via !== undefined && this.links.has(via) ? via : this.pick([]);
    if (link === undefined) return undefined;
    this.hops.delete(id); // a resend by the delivery core (ACK timeout) starts a fresh entry
    const hop: Hop = {
      host,
      frames,
      link,
      refusedBy: [],
      mayHaveArrived: false,
      sentAtMs: nowMs,
      untilReply,
      movesOnLinkDown,
      mayHaveLeft: this.links.get(link) === true,
    };
    this.hops.set(id, hop);
    while (this.hops.size > this.maxEntries) this.forgetOldest();
    return link;
  }

  /**
   * An answer (reply type "5" or ACK "6") for `id` arrived: the host it belongs to, or
   * undefined for an id this table does not know (stale).
   */
  answered(id: string, type: string): string | undefined {
    const hop = this.hops.get(id);
    if (hop === undefined) return undefined;
    if (type === "5" || !hop.untilReply) this.hops.delete(id);
    return hop.host;
  }

  /** The host message `id` was sent to, while it is unanswered. */
  hostOf(id: string): string | undefined {
    return this.hops.get(id)?.host;
  }

  knows(id: string): boolean {
    return this.hops.has(id);
  }

  /** The link message `id` is on now, while it is unanswered. */
  linkOf(id: string): string | undefined {
    return this.hops.get(id)?.link;
  }

  /**
   * The send recorded for `id` with these `frames` never left the client (its link's
   * queue or socket refused it): its entry goes, unless a later send of the same id
   * replaced it. Kept, a link going down later would send again a message the delivery
   * core counted as failed and may have sent to another server.
   */
  unsent(id: string, frames: readonly Buffer[]): void {
    if (this.hops.get(id)?.frames === frames) this.hops.delete(id);
  }

  /**
   * The proxy behind `link` could not route `id`: where to send it next, if anywhere.
   * Dropped (every live proxy refused it): `undelivered` is true when every proxy it went
   * through (since its latest first send) refused it, so its host surely never received it.
   */
  noRoute(id: string, link: string): HopResend | HopDropped | undefined {
    const hop = this.hops.get(id);
    if (hop === undefined || hop.link !== link) return undefined;
    hop.refusedBy.push(link);
    const to = this.pick(hop.refusedBy, true);
    if (to === undefined) {
      this.hops.delete(id);
      this.stats.noRouteDropped++;
      return { dropped: true, undelivered: !hop.mayHaveArrived };
    }
    hop.link = to;
    hop.mayHaveLeft = true; // sent again on a link that is up
    this.stats.resentNoRoute++;
    return { id, link: to, frames: hop.frames };
  }

  get size(): number {
    return this.hops.size;
  }

  /** Forgets entries older than maxAgeMs (their requests are past any deadline this client gives). */
  purge(nowMs: number): void {
    for (const [id, hop] of this.hops) {
      if (nowMs - hop.sentAtMs <= this.maxAgeMs) break;
      this.hops.delete(id);
      this.stats.forgotten++;
    }
  }

  private forgetOldest(): void {
    const first = this.hops.keys().next();
    if (first.done) return;
    this.hops.delete(first.value);
    this.stats.forgotten++;
  }

  private moveOff(link: string): HopResend[] {
    const out: HopResend[] = [];
    for (const [id, hop] of this.hops) {
      if (hop.link !== link) continue;
      if (!hop.movesOnLinkDown && hop.mayHaveLeft) {
        this.hops.delete(id);
        this.stats.unmovedDropped++;
        continue;
      }
      const to = this.pick([...hop.refusedBy, link], true);
      if (to === undefined) {
        this.hops.delete(id);
        this.stats.strandedDropped++;
        continue;
      }
      hop.link = to;
      hop.mayHaveArrived = true;
      hop.mayHaveLeft = true; // sent again on a link that is up
      this.stats.resentLinkDown++;
      out.push({ id, link: to, frames: hop.frames });
    }
    return out;
  }

  /** The next link in round-robin order that is not excluded: an up one, else (unless upOnly) any known one. */
  private pick(exclude: readonly string[], upOnly = false): string | undefined {
    const all = [...this.links];
    const n = all.length;
    if (n === 0) return undefined;
    let fallback: string | undefined;
    for (let i = 0; i < n; i++) {
      const [l, up] = all[(this.next + i) % n]!;
      if (exclude.includes(l)) continue;
      if (up) {
        this.next = (this.next + i + 1) % n;
        return l;
      }
      fallback ??= l;
    }
    return upOnly ? undefined : fallback;
  }
}
