/**
 * Faults that single out messages of one kind, by the wire type every driver message
 * carries in its third frame as it travels (a request as a DEALER writes it, a reply or
 * ACK as the DEALER reads it: src/core/codec.ts): call 1, cast 2, fanout 3, reply 5,
 * ACK 6. Link faults (link-faults.ts) act on whole connections; these act on messages,
 * which ZeroMQ over TCP never does on its own. They stand for what connection-level faults
 * can only produce by accident and at random: "this server's ACKs never arrive", "this
 * reply is lost", "the server dies right after its ACK reached the caller", so that
 * scenarios can aim at acknowledged delivery's resend and failover paths.
 *
 * - drop: while it lasts, every message of the kind written from one host (to one peer
 *   host, or to any) is lost as it enters the connection. Nothing else changes: the
 *   connection stays up, later messages follow in order.
 * - watch: the first message of a kind from one host that arrives at its peer calls back
 *   (the fault injector crashes the sender then: "crash right after the ACK").
 *
 * Both are counted in `active`, so a network without them pays one comparison per message.
 *
 * A batch envelope (src/core/batch-frames.ts, spec/codec.md "Batches") carries several
 * messages: a drop rule takes out the ones of its kind and the rest travel on as a
 * smaller batch; a watch fires on any message of its kind inside one.
 */
import { isBatch, joinBatch, splitBatch } from "../../src/core/batch-frames.js";

/** The message kinds a fault can single out, by the wire type the codec writes. */
export const WIRE_KINDS = { call: 1, cast: 2, fanout: 3, reply: 5, ack: 6 } as const;
export type WireKind = keyof typeof WIRE_KINDS;

/** The wire type of a message as a flow carries it (frame 2, one ASCII digit), or 0. */
export function wireType(frames: readonly Buffer[]): number {
  const f = frames[2];
  if (f === undefined || f.length !== 1) return 0;
  const t = f[0]! - 0x30;
  return t >= 1 && t <= 6 ? t : 0;
}

interface DropRule {
  readonly from: number;
  /** Peer host, or -1 for every peer. */
  readonly to: number;
  readonly type: number;
}

interface Watch {
  readonly from: number;
  /** Peer host, or -1 for any. */
  readonly to: number;
  readonly type: number;
  readonly fn: (to: number) => void;
}

export class MessageFaults {
  private readonly drops: DropRule[] = [];
  private readonly watches: Watch[] = [];
  /** Drop rules and watches in force (0: every message passes untouched). */
  active = 0;

  /** Loses every `kind` message from `from` (to `to`, or to any host when -1) until the returned function is called. */
  drop(from: number, to: number, kind: WireKind): () => void {
    const rule: DropRule = { from, to, type: WIRE_KINDS[kind] };
    this.drops.push(rule);
    this.active++;
    return this.once(() => remove(this.drops, rule));
  }

  /**
   * What of a message written from `src` to `dst` now gets through: the same frames, a
   * batch without the messages the drop rules take out, or undefined (all lost); `lost`
   * hears the wire type of each message taken out.
   */
  keep(src: number, dst: number, frames: Buffer[], lost: (type: number) => void): Buffer[] | undefined {
    if (this.drops.length === 0) return frames;
    const messages = messagesOf(frames);
    if (messages === undefined) {
      if (!this.dropped(src, dst, wireType(frames))) return frames;
      lost(wireType(frames));
      return undefined;
    }
    const kept = messages.filter((m) => {
      const type = wireType(m);
      if (!this.dropped(src, dst, type)) return true;
      lost(type);
      return false;
    });
    if (kept.length === messages.length) return frames;
    return kept.length === 0 ? undefined : joinBatch(kept, 0);
  }

  private dropped(src: number, dst: number, type: number): boolean {
    for (const r of this.drops) if (r.from === src && (r.to < 0 || r.to === dst) && r.type === type) return true;
    return false;
  }

  /**
   * Calls `fn(peer)` once, when the first `kind` message from `from` arrives at its peer
   * (at `to` only, unless it is -1); the returned function cancels the watch (a no-op
   * once it fired).
   */
  watch(from: number, to: number, kind: WireKind, fn: (peer: number) => void): () => void {
    const w: Watch = { from, to, type: WIRE_KINDS[kind], fn };
    this.watches.push(w);
    this.active++;
    return this.once(() => remove(this.watches, w));
  }

  /** A message from `src` arrived at `dst`: fires (and removes) the watches it matches. */
  delivered(src: number, dst: number, frames: readonly Buffer[]): void {
    if (this.watches.length === 0) return;
    for (const m of messagesOf(frames) ?? [frames]) {
      const type = wireType(m);
      for (const w of [...this.watches]) {
        if (w.from !== src || w.type !== type || (w.to >= 0 && w.to !== dst)) continue;
        if (remove(this.watches, w)) this.active--;
        w.fn(dst);
      }
    }
  }

  /** The cancel function of a rule or watch: `removeIt` says whether it was still there (a fired watch is gone). */
  private once(removeIt: () => boolean): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (removeIt()) this.active--;
    };
  }
}

/** The messages of a batch envelope as a flow carries it (a DEALER's layout), or undefined for one message. */
function messagesOf(frames: readonly Buffer[]): Buffer[][] | undefined {
  if (!isBatch(frames, 0)) return undefined;
  const split = splitBatch(frames, 0);
  return split.ok ? split.messages : undefined;
}

function remove<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
