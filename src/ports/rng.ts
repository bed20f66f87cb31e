/**
 * Randomness port. Message ids, socket identities and any random choice come from here,
 * so that a simulation seeded with one number replays bit for bit.
 */
export interface Rng {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number;
}

/** A 128-bit id as 32 lowercase hex characters (socket routing ids; the client engine takes a 64-bit message-id prefix from one). */
export function randomId(rng: Rng): string {
  let s = "";
  for (let i = 0; i < 4; i++) s += rng.nextUint32().toString(16).padStart(8, "0");
  return s;
}
