/**
 * Balancing (spec/balancing.md): which of its candidate hosts a call or cast goes to. The
 * delivery core narrows a request's hosts to its candidates (send-rounds.ts: not failed
 * this round, not believed dead, not open in its circuit breaker) and asks its one `Balancer` for one of
 * them. The strategy is chosen once per transport (`DriverOptions.balancing`); fanouts go
 * to every host and pick nothing.
 *
 * This file holds what every strategy shares: the names, the interface, the randomness
 * they draw from and the one way they turn a draw into an index. A strategy never
 * returns a host outside the list it was given, and never throws on a non-empty list.
 */

/** The strategies, in the order the spec lists them; the first is the default. */
export const BALANCING_STRATEGIES = ["round-robin", "random", "least-in-flight", "latency"] as const;

/**
 * - "round-robin": per key, the host after the last one picked (round-robin.ts);
 * - "random": uniformly at random (random.ts);
 * - "least-in-flight": a host with the fewest of this client's requests in flight, ties
 *   broken uniformly at random (least-in-flight.ts);
 * - "latency": two hosts drawn at random, the one with the lower EWMA of reply times
 *   (latency.ts; power of two choices).
 */
export type BalancingStrategy = (typeof BALANCING_STRATEGIES)[number];

export const DEFAULT_BALANCING: BalancingStrategy = "round-robin";

/**
 * The randomness a strategy draws from: the shape of the Rng port (src/ports/rng.ts),
 * which the core may not import. The shell passes the transport's Rng: seeded in the
 * simulator, crypto in the real runtime.
 */
export interface RandomSource {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number;
}

export interface Balancer {
  /**
   * One host of `candidates` for a request to `key`. `candidates` is non-empty and in the
   * matchmaker's (sorted) order; the same frozen list may come again for the next request.
   */
  pick(key: string, candidates: readonly string[]): string;
}

/**
 * A uniform index in [0, n) from one draw (1 <= n <= 2^21): multiply and shift, so every
 * index covers floor or ceil of 2^32 / n of the draws (a bias below n / 2^32, none when n
 * is a power of two), and the mapping is monotonic: draws in [ceil(i·2^32/n),
 * ceil((i+1)·2^32/n)) give index i.
 */
export function uniformIndex(rng: RandomSource, n: number): number {
  return Math.floor((rng.nextUint32() * n) / 0x1_0000_0000);
}

/** The smallest draw that `uniformIndex` maps to `i` of `n` (tests script an Rng with it). */
export function drawFor(i: number, n: number): number {
  return Math.ceil((i * 0x1_0000_0000) / n);
}
