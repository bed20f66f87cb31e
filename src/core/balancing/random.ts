/**
 * Random (DriverOptions.balancing "random"): each request goes to a candidate drawn
 * uniformly, one draw from the Rng per pick, none when there is one candidate. Stateless:
 * no cursor, no load. Over many requests every host gets about 1/n of them, with none of
 * round robin's lock-step between callers that started together; a single caller's
 * requests to one server still travel one FIFO connection, so per-server order holds.
 */
import { uniformIndex, type Balancer, type RandomSource } from "./balancer.js";

export class RandomBalancer implements Balancer {
  constructor(private readonly rng: RandomSource) {}

  pick(_key: string, hosts: readonly string[]): string {
    const n = hosts.length;
    if (n === 0) throw new RangeError("routing: pick from an empty host set");
    return n === 1 ? hosts[0]! : hosts[uniformIndex(this.rng, n)]!;
  }
}
