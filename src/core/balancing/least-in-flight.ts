/**
 * Least in flight (DriverOptions.balancing "least-in-flight"): a candidate with the fewest
 * of this client's calls and casts in flight (host-load.ts), ties broken uniformly at
 * random (one draw from the Rng, none when one host has the fewest). What holds: the host
 * picked never has more in flight than any other candidate at the moment of the pick.
 *
 * The counts are this client's only: other clients' requests to the same servers are not
 * seen. A pick reads every candidate's count, O(n) in the candidates; with no request in
 * flight (a caller that waits for each reply) it behaves as "random".
 */
import { uniformIndex, type Balancer, type RandomSource } from "./balancer.js";
import type { HostLoad } from "./host-load.js";

export class LeastInFlightBalancer implements Balancer {
  /** The counts of the last pick's candidates, reused (no array per pick). */
  private readonly counts: number[] = [];

  constructor(
    private readonly load: HostLoad,
    private readonly rng: RandomSource,
  ) {}

  pick(_key: string, hosts: readonly string[]): string {
    const n = hosts.length;
    if (n === 0) throw new RangeError("routing: pick from an empty host set");
    if (n === 1) return hosts[0]!;
    const counts = this.counts;
    counts.length = n;
    let least = Number.POSITIVE_INFINITY;
    let ties = 0;
    let first = 0;
    for (let i = 0; i < n; i++) {
      const c = this.load.inFlight(hosts[i]!);
      counts[i] = c;
      if (c < least) {
        least = c;
        ties = 1;
        first = i;
      } else if (c === least) ties++;
    }
    if (ties === 1) return hosts[first]!;
    // The k-th of the hosts with the fewest, k uniform.
    let k = uniformIndex(this.rng, ties);
    for (let i = first; ; i++) {
      if (counts[i] === least && k-- === 0) return hosts[i]!;
    }
  }
}
