/** Rng port over Node's CSPRNG, buffered (the real shell). */
import { randomFillSync } from "node:crypto";
import type { Rng } from "../../ports/rng.js";

export class CryptoRng implements Rng {
  private readonly buf = new Uint32Array(256);
  private pos = 256;

  nextUint32(): number {
    if (this.pos >= this.buf.length) {
      randomFillSync(this.buf);
      this.pos = 0;
    }
    return this.buf[this.pos++]!;
  }
}
