/**
 * Seeds: a decimal number or a 40-hex-digit commit hash (TigerBeetle's parse_seed: CI runs
 * the simulator with "random" seeds that stay reproducible from the commit alone). A hash
 * becomes its first 13 hex digits (52 bits), so every seed is a safe integer and prints
 * as a plain number that reproduces the run.
 */
export interface ParsedSeed {
  seed: number;
  /** The commit hash the seed came from, if any. */
  commit?: string;
}

export function parseSeed(text: string): ParsedSeed {
  const s = text.trim();
  if (/^[0-9a-f]{40}$/i.test(s)) return { seed: parseInt(s.slice(0, 13), 16), commit: s.toLowerCase() };
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw new RangeError(`seed ${s} is larger than 2^53 - 1`);
    return { seed: n };
  }
  throw new RangeError(`seed must be a decimal number or a 40-hex-digit commit hash, got ${JSON.stringify(text)}`);
}

/** "seed=123" or "seed=123 (from commit abc...)". */
export function describeSeed(p: ParsedSeed): string {
  return p.commit ? `seed=${p.seed} (from commit ${p.commit})` : `seed=${p.seed}`;
}
