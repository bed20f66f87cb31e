/**
 * Which directed host-to-host links are blocked right now. Partitions, isolation and clogs
 * only block: a blocked link holds its data (TCP keeps retransmitting) and refuses new
 * connections (the handshake needs both directions); when the block lifts, held data
 * flows again in order. Blocks are counted, so overlapping faults compose: a link opens
 * only when every fault that blocked it has lifted.
 *
 * Directions: a block from A to B stops A's data to B; B's data to A still arrives (an
 * asymmetric partition). The data model is at connection level (spec/sim.md, fault model).
 *
 * Duplication is the one fault that does not block: while it lasts, every message written
 * from A to B is delivered twice, the copy right behind the original. TCP never does
 * that; it stands for a sender that sends the same frames again (a client re-sending a
 * request whose reply or ACK it did not get), so that servers meet duplicates.
 */
export interface Cut {
  /** side[h] is 0 or 1; data from side 0 to side 1 is blocked, and back too if symmetric. */
  readonly side: Uint8Array;
  readonly symmetric: boolean;
}

export class LinkFaults {
  private readonly isolatedOut = new Map<number, number>();
  private readonly isolatedIn = new Map<number, number>();
  private readonly clogs = new Map<number, number>();
  private readonly duplicated = new Map<number, number>();
  private readonly cuts = new Set<Cut>();
  /** Faults blocking something now (fast path: 0 means every link is open). */
  private active = 0;

  constructor(private readonly onLift: () => void) {}

  open(src: number, dst: number): boolean {
    if (src === dst) return true;
    if (this.active === 0) return true;
    if (this.isolatedOut.has(src) || this.isolatedIn.has(dst)) return false;
    if (this.clogs.has(src * 65536 + dst)) return false;
    for (const c of this.cuts) {
      const a = c.side[src];
      const b = c.side[dst];
      if (a !== b && (c.symmetric || a === 0)) return false;
    }
    return true;
  }

  isolate(host: number, direction: "in" | "out" | "both"): () => void {
    const maps =
      direction === "both"
        ? [this.isolatedIn, this.isolatedOut]
        : [direction === "in" ? this.isolatedIn : this.isolatedOut];
    for (const m of maps) m.set(host, (m.get(host) ?? 0) + 1);
    return this.once(() => {
      for (const m of maps) dec(m, host);
    });
  }

  clog(src: number, dst: number): () => void {
    const k = src * 65536 + dst;
    this.clogs.set(k, (this.clogs.get(k) ?? 0) + 1);
    return this.once(() => dec(this.clogs, k));
  }

  /** Whether a message written from `src` to `dst` now is delivered twice. */
  duplicating(src: number, dst: number): boolean {
    return this.duplicated.size > 0 && this.duplicated.has(src * 65536 + dst);
  }

  duplicate(src: number, dst: number): () => void {
    const k = src * 65536 + dst;
    this.duplicated.set(k, (this.duplicated.get(k) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      dec(this.duplicated, k);
    };
  }

  partition(cut: Cut): () => void {
    this.cuts.add(cut);
    return this.once(() => this.cuts.delete(cut));
  }

  private once(lift: () => void): () => void {
    this.active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      lift();
      this.active--;
      this.onLift();
    };
  }
}

function dec(m: Map<number, number>, k: number): void {
  const n = (m.get(k) ?? 0) - 1;
  if (n > 0) m.set(k, n);
  else m.delete(k);
}
