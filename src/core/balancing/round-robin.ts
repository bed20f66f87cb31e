/**
 * Round robin (DriverOptions.balancing "round-robin", the default): the next host per key.
 * Pure and deterministic; it reads neither the load tracker nor the Rng.
 *
 * Each key keeps a cursor that advances once per pick, so with a stable host set of size n
 * every window of n consecutive picks visits each host exactly once (fairness), and since
 * one caller's requests to one host travel one FIFO connection, each server sees its share
 * of the caller's requests in the caller's order (oslo's IsValidDistributionOf).
 * When the set changes, the cursor continues from the host after the last one picked, so a
 * change neither restarts the cycle at the first host nor skips a host.
 */
import type { Balancer } from "./balancer.js";

interface Cursor {
  /** The host picked last. */
  host: string;
  /** The list it was picked from and its index there (so the same list needs no search). */
  hosts: readonly string[];
  index: number;
}

export class RoundRobinBalancer implements Balancer {
  private readonly cursors = new Map<string, Cursor>();

  /** Picks the next host for `key` among `hosts` (sorted, non-empty). */
  pick(key: string, hosts: readonly string[]): string {
    if (hosts.length === 0) throw new RangeError("routing: pick from an empty host set");
    const c = this.cursors.get(key);
    if (c === undefined) {
      this.cursors.set(key, { host: hosts[0]!, hosts, index: 0 });
      return hosts[0]!;
    }
    let index: number;
    if (hosts === c.hosts) {
      // The same (frozen, shared) list as last time: the next index is the next host.
      index = c.index + 1 === hosts.length ? 0 : c.index + 1;
    } else {
      // First host strictly after the previous pick in sort order, wrapping around.
      const prev = c.host;
      index = hosts.findIndex((h) => h > prev);
      if (index < 0) index = 0;
    }
    c.host = hosts[index]!;
    c.hosts = hosts;
    c.index = index;
    return c.host;
  }
}
