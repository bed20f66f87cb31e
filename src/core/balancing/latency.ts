/**
 * Latency (DriverOptions.balancing "latency"): power of two choices over each host's EWMA
 * of reply times (host-load.ts), like Moleculer's latency strategy. Two candidates are
 * drawn uniformly and independently (with replacement: two draws from the Rng, none when
 * there is one candidate), and the request goes to the one with the lower EWMA; at a tie,
 * to the first drawn. A host with no sample counts as 0 ms, so a new host is tried soon.
 *
 * Why two draws and not the fastest host: every client would flood the host that looks
 * fastest until its replies slow down, and a host that was slow once would never be tried
 * again. With two independent draws among n candidates the fastest host gets a request
 * only when one of the draws lands on it, with probability (2n − 1) / n² (3/4 of the
 * requests for 2 hosts, 5/9 for 3, about 2/n for many), and the slowest still gets 1 / n²
 * of them, so its average follows its recovery.
 */
import { uniformIndex, type Balancer, type RandomSource } from "./balancer.js";
import type { HostLoad } from "./host-load.js";

export class LatencyBalancer implements Balancer {
  constructor(
    private readonly load: HostLoad,
    private readonly rng: RandomSource,
  ) {}

  pick(_key: string, hosts: readonly string[]): string {
    const n = hosts.length;
    if (n === 0) throw new RangeError("routing: pick from an empty host set");
    if (n === 1) return hosts[0]!;
    const a = hosts[uniformIndex(this.rng, n)]!;
    const b = hosts[uniformIndex(this.rng, n)]!;
    return a === b || this.ewmaOf(a) <= this.ewmaOf(b) ? a : b;
  }

  /** A host's EWMA, 0 when it has no sample. */
  private ewmaOf(host: string): number {
    const ms = this.load.ewmaMs(host);
    return Number.isNaN(ms) ? 0 : ms;
  }
}
