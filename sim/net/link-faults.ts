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
 * Three faults do not block data. Duplication: while it lasts, every message written from A
 * to B is delivered twice, the copy right behind the original. TCP never does that; it
 * stands for a sender that sends the same frames again (a client re-sending a request
 * whose reply or ACK it did not get), so that servers meet duplicates. Heartbeat loss
 * (`silence`): ZMTP PINGs and PONGs from A to B are lost while data passes
 * (heartbeats.ts reads `hbPasses`). One-way delay: every message written from A to B
 * takes `extraUs` longer (`extraDelayUs`, added by the network to each sampled delay).
 *
 * `onChange` hears every start and end of a blocking or heartbeat fault, with the hosts it
 * touches (null: any), so that heartbeats re-evaluate only the connections concerned.
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
  private readonly silenced = new Map<number, number>();
  private readonly delays = new Map<number, number>();
  private readonly cuts = new Set<Cut>();
  /** Faults blocking something now (fast path: 0 means every link is open). */
  private active = 0;
  /** A blocking or heartbeat fault started or ended, touching these hosts (null: any host). */
  onChange: ((hosts: readonly number[] | null) => void) | undefined;

  constructor(private readonly onLift: () => void) {}

  /** Whether some fault blocks a link now. */
  get blocking(): boolean {
    return this.active > 0;
  }

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
    return this.once([host], () => {
      for (const m of maps) dec(m, host);
    });
  }

  clog(src: number, dst: number): () => void {
    const k = src * 65536 + dst;
    this.clogs.set(k, (this.clogs.get(k) ?? 0) + 1);
    return this.once([src, dst], () => dec(this.clogs, k));
  }

  /** Whether ZMTP heartbeats (PING, PONG) written from `src` to `dst` now arrive (no heartbeat loss). */
  hbPasses(src: number, dst: number): boolean {
    return this.silenced.size === 0 || src === dst || !this.silenced.has(src * 65536 + dst);
  }

  /** Heartbeats from `src` to `dst` are lost (data passes) until the returned function is called. */
  silence(src: number, dst: number): () => void {
    const k = src * 65536 + dst;
    this.silenced.set(k, (this.silenced.get(k) ?? 0) + 1);
    this.onChange?.([src, dst]);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      dec(this.silenced, k);
      this.onChange?.([src, dst]);
    };
  }

  /** Extra one-way delay (µs) of a message written from `src` to `dst` now. */
  extraDelayUs(src: number, dst: number): number {
    return this.delays.size === 0 ? 0 : (this.delays.get(src * 65536 + dst) ?? 0);
  }

  /** Messages from `src` to `dst` take `extraUs` longer until the returned function is called. */
  delay(src: number, dst: number, extraUs: number): () => void {
    const k = src * 65536 + dst;
    this.delays.set(k, (this.delays.get(k) ?? 0) + extraUs);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.delays.get(k) ?? 0) - extraUs;
      if (left > 0) this.delays.set(k, left);
      else this.delays.delete(k);
    };
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
    return this.once(null, () => this.cuts.delete(cut));
  }

  /** Counts a blocking fault that just started; returns what lifts it (once). */
  private once(hosts: readonly number[] | null, lift: () => void): () => void {
    this.active++;
    this.onChange?.(hosts);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      lift();
      this.active--;
      this.onLift();
      this.onChange?.(hosts);
    };
  }
}

function dec(m: Map<number, number>, k: number): void {
  const n = (m.get(k) ?? 0) - 1;
  if (n > 0) m.set(k, n);
  else m.delete(k);
}
