/**
 * Round-robin choice of a host per key. Pure and deterministic.
 *
 * Each key keeps a cursor that advances once per pick, so with a stable host set of size n
 * every window of n consecutive picks visits each host exactly once (fairness), and since
 * one caller's requests to one host travel one FIFO connection, each server sees its share
 * of the caller's requests in the caller's order (oslo's IsValidDistributionOf).
 * When the set changes, the cursor continues from the host after the last one picked, so a
 * change neither restarts the cycle at the first host nor skips a host.
 */
export class RoutingTable {
  private readonly last = new Map<string, string>();

  /** Picks the next host for `key` among `hosts` (sorted, non-empty). */
  pick(key: string, hosts: readonly string[]): string {
    if (hosts.length === 0) throw new RangeError("routing: pick from an empty host set");
    const prev = this.last.get(key);
    let next: string;
    if (prev === undefined) {
      next = hosts[0]!;
    } else {
      // First host strictly after the previous pick in sort order, wrapping around.
      next = hosts.find((h) => h > prev) ?? hosts[0]!;
    }
    this.last.set(key, next);
    return next;
  }
}
