/**
 * The balancing a delivery core is built with (spec/balancing.md): its strategy's
 * `Balancer` and, for the strategies that read it, the load tracker the core keeps up to
 * date. Built once per core from the strategy's name and the shell's randomness.
 */
import type { Balancer, BalancingStrategy, RandomSource } from "./balancer.js";
import { HostLoad } from "./host-load.js";
import { LatencyBalancer } from "./latency.js";
import { LeastInFlightBalancer } from "./least-in-flight.js";
import { RandomBalancer } from "./random.js";
import { RoundRobinBalancer } from "./round-robin.js";

export interface Balancing {
  readonly strategy: BalancingStrategy;
  readonly balancer: Balancer;
  /**
   * The load tracker, for "least-in-flight" and "latency" only: undefined otherwise, so
   * that round robin (the default) and random pay nothing per request for it.
   */
  readonly load: HostLoad | undefined;
}

/** `rng` is needed by every strategy but "round-robin" (a RangeError without it). */
export function createBalancing(strategy: BalancingStrategy, rng: RandomSource | undefined): Balancing {
  if (strategy === "round-robin") return { strategy, balancer: new RoundRobinBalancer(), load: undefined };
  if (rng === undefined) throw new RangeError(`balancing: strategy "${strategy}" needs an rng`);
  switch (strategy) {
    case "random":
      return { strategy, balancer: new RandomBalancer(rng), load: undefined };
    case "least-in-flight": {
      const load = new HostLoad();
      return { strategy, balancer: new LeastInFlightBalancer(load, rng), load };
    }
    case "latency": {
      const load = new HostLoad();
      return { strategy, balancer: new LatencyBalancer(load, rng), load };
    }
    default:
      throw new RangeError(`balancing: unknown strategy ${JSON.stringify(strategy as unknown)}`);
  }
}
