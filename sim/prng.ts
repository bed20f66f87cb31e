/**
 * The simulator's own PRNG: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator,
 * 128 bits of state, 32-bit output), seeded through splitmix32. Our own code, so that
 * library or runtime changes never reshuffle a recorded seed (TigerBeetle's reason for
 * stdx/prng.zig). Integer-first API plus a Ratio type for probabilities.
 *
 * Sub-streams: `Prng.derive(seed, label)` seeds a generator from the root seed and a label
 * ("net", "host/17", "faults") without drawing from any other stream, so adding a host or
 * a component never changes the numbers another component sees.
 */
import type { Rng } from "../src/ports/rng.js";

/** A probability as numerator / denominator (both integers, 0 <= num <= den). */
export interface Ratio {
  readonly num: number;
  readonly den: number;
}

export function ratio(num: number, den: number): Ratio {
  if (!Number.isInteger(num) || !Number.isInteger(den) || den <= 0 || num < 0 || num > den) {
    throw new RangeError(`ratio ${num}/${den} is not a probability`);
  }
  return { num, den };
}

/** 32-bit FNV-1a of a string (labels, not data). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Prng implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is a non-negative safe integer; `salt` separates sub-streams. */
  constructor(seed: number, salt = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    const lo = seed % 0x1_0000_0000;
    const hi = Math.floor(seed / 0x1_0000_0000);
    const st = { s: (lo ^ Math.imul(hi, 0x27d4eb2d) ^ salt) | 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st) ^ hi;
    this.c = splitmix32(st) ^ salt;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator for one component, independent of every other label's stream. */
  static derive(seed: number, label: string): Prng {
    return new Prng(seed, fnv1a32(label));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^32 (multiply-shift; bias below 2^-32 * n). */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`int(n) needs n >= 1, got ${n}`);
    return Math.floor((this.nextUint32() / 0x1_0000_0000) * n);
  }

  /** Uniform integer in [min, max], inclusive. */
  range(min: number, max: number): number {
    if (max < min) throw new RangeError(`range(${min}, ${max}) is empty`);
    return min + this.int(max - min + 1);
  }

  /** Uniform float in [0, 1) with 32 bits of precision. */
  float(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  chance(p: Ratio): boolean {
    return this.int(p.den) < p.num;
  }

  /** Probability given as a float in [0, 1] (options objects use plain numbers). */
  bernoulli(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  /** Exponentially distributed value with the given mean (0 when mean is 0). */
  exponential(mean: number): number {
    if (mean <= 0) return 0;
    return -mean * Math.log(1 - this.float());
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.int(items.length)]!;
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

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
