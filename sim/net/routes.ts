/**
 * A simulated ROUTER's routing table: which pipe end each peer routing id goes to
 * (libzmq's outpipes map). Ids are compared by content (latin1 string keys); a second map
 * by Buffer identity answers the common case without converting: a reply's first frame is
 * usually the very Buffer that receive() handed out (the end's peerId).
 *
 * `end.routed` is kept true exactly while the table holds `end` under its current peerId
 * (every change of peerId is followed by `route`), so an identity hit counts only when it
 * is still routed and still carries that same Buffer.
 */
import type { PipeEnd } from "./pipe-end.js";

export class RouteTable {
  private readonly byKey = new Map<string, PipeEnd>();
  private readonly byBuf = new WeakMap<Buffer, PipeEnd>();

  /** Whether some end is routed under this id. */
  has(id: Buffer): boolean {
    return this.byKey.has(id.toString("latin1"));
  }

  /** Messages addressed to `end.peerId` go to `end` (replacing any end routed under that id). */
  route(end: PipeEnd): void {
    const key = end.peerKey;
    const old = this.byKey.get(key);
    if (old !== undefined && old !== end) old.routed = false;
    this.byKey.set(key, end);
    this.byBuf.set(end.peerId, end);
    end.routed = true;
  }

  /** The end a message with routing id `id` goes to, if any. */
  lookup(id: Buffer): PipeEnd | undefined {
    const e = this.byBuf.get(id);
    if (e?.routed && e.peerId === id) return e;
    return this.byKey.get(id.toString("latin1"));
  }

  /** `end` no longer takes messages (its link is gone). */
  unroute(end: PipeEnd): void {
    if (!end.routed) return;
    const key = end.peerKey;
    if (this.byKey.get(key) === end) this.byKey.delete(key);
    end.routed = false;
  }
}
