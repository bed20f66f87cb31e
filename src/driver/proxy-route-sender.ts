/**
 * How a proxy-mode client sends one request, or a batch of them, through its proxy links
 * (spec/proxy.md, "Call through a proxy" and "Batches through proxies"): the hop table
 * (src/core/proxy-hops.ts) picks the link and records each message's hop for a resend;
 * a batch goes as one ROUTE through a proxy that forwards batches, else as one ROUTE per
 * message on the same link; and a send's outcome is reported so that the delivery core
 * never sends a message to a second server that may have the first copy: a send refused
 * while its message was still on its link drops the hop and fails, one whose link went
 * down meanwhile (the hop table sent the message again elsewhere) counts as done.
 * ProxyClientLinks (proxy-client-links.ts) owns the links and hands this class its view.
 */
import { isBatch, splitBatch } from "../core/batch-frames.js";
import { PUBLISHED_HOST_PREFIX, type ProxyOp, routeFrames } from "../core/proxy-frames.js";
import type { HopTable } from "../core/proxy-hops.js";
import type { Clock } from "../ports/clock.js";
import { PortError } from "../ports/socket.js";
import type { SendQueue } from "../pool/send-queue.js";

/** What the sender needs of the client's links. */
export interface RouteLinks {
  readonly hops: HopTable;
  /** The send queue of the link to the proxy at `link`, while that link is open. */
  queue(link: string): SendQueue | undefined;
  /** Whether the proxy at `link` forwards batches (it is listed under proxy:frontend-batches). */
  forwardsBatches(link: string): boolean;
  /** Resolves once a first link is known, or after sendTimeoutMs. */
  waitForLink(): Promise<void>;
}

export class RouteSender {
  constructor(
    private readonly links: RouteLinks,
    private readonly clock: Clock,
    /** DriverOptions.acks: a fanout without acks is not sent again after its link failed (proxy-hops.ts). */
    private readonly acks: boolean,
  ) {}

  /**
   * Sends a direct-mode request `["", "1.0", type, id, payload]`, or a batch of them
   * `["", "2.0", records]`, to `host` through a proxy.
   */
  async send(host: string, frames: readonly Buffer[]): Promise<void> {
    if (isBatch(frames, 0)) return this.sendBatch(host, frames);
    const published = host.startsWith(PUBLISHED_HOST_PREFIX);
    const op: (typeof ProxyOp)["ROUTE" | "PUBLISH"] = published ? "P" : "R";
    const wire = routeFrames(op, published ? host.slice(PUBLISHED_HOST_PREFIX.length) : host, frames);
    // A fanout without acks is not sent again after its link failed (proxy-hops.ts).
    const moves = !published || this.acks;
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
      for (const [id, frames] of sent) this.links.hops.unsent(id, frames);
      throw err;
    }
  }

  /** Whether the hop table moved message `id` from `link` to another one (sent it again there). */
  private movedOff(id: string, link: string): boolean {
    const now = this.links.hops.linkOf(id);
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
    const queue = this.links.queue(link);
    const whole = this.links.forwardsBatches(link);
    if (queue === undefined || (!whole && !queue.hasRoomFor(split.messages.length))) {
      this.links.hops.unsent(idOf(first), firstWire);
      throw new PortError("EAGAIN", `proxy link queue cannot take the ${split.messages.length} messages of a batch`);
    }
    const nowMs = this.clock.nowMs();
    const sent: [string, readonly Buffer[]][] = [[idOf(first), firstWire]];
    for (const m of rest) {
      const wire = routeFrames("R", host, m);
      this.links.hops.send(idOf(m), host, wire, isCall(m), nowMs, link);
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
        for (const [id, w] of sent) this.links.hops.unsent(id, w); // none left
        return Promise.reject(all.errors[0]);
      },
    );
  }

  /** Records the first send of the 1.0 message `frames` (its ROUTE or PUBLISH: `wire`); its link, if one is known. */
  private record(frames: readonly Buffer[], host: string, wire: readonly Buffer[], moves = true): string | undefined {
    return this.links.hops.send(idOf(frames), host, wire, isCall(frames), this.clock.nowMs(), undefined, moves);
  }

  /** record, after waiting for a first link. */
  private async recordOnceLinked(
    frames: readonly Buffer[],
    host: string,
    wire: readonly Buffer[],
    moves = true,
  ): Promise<string> {
    await this.links.waitForLink();
    const link = this.record(frames, host, wire, moves);
    if (link === undefined) throw new PortError("EAGAIN", "no proxy known (matchmaker key proxy:frontend is empty)");
    return link;
  }

  private queueOf(link: string): SendQueue {
    const q = this.links.queue(link);
    if (q === undefined) throw new PortError("EAGAIN", "the proxy link is gone"); // the hop table moves its messages
    return q;
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
