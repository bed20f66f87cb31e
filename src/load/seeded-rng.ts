/**
 * A small seeded generator behind the Rng port (src/ports/rng.ts) for the load tool's
 * message sizes and contents: splitmix32 (Sebastiano Vigna's SplitMix, 32-bit variant),
 * so that `--seed N` gives the same sizes on every machine and Node version. Not for
 * anything secret; the driver's own randomness stays on its Rng port.
 */
import type { Rng } from "../ports/rng.js";

export class SplitMixRng implements Rng {
  private state: number;

  /** `seed`: any safe integer; its low and high 32 bits both feed the state. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    this.state = ((seed % 0x1_0000_0000) ^ Math.imul(Math.floor(seed / 0x1_0000_0000), 0x27d4eb2d)) | 0;
  }

  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
}

/** A uniform integer in [0, n) from `rng` (multiply-shift; 1 <= n <= 2^32). */
export function uniformInt(rng: Rng, n: number): number {
  return Math.floor((rng.nextUint32() / 0x1_0000_0000) * n);
}
