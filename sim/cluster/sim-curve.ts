/**
 * CURVE in a simulated cluster (spec/sim.md, "CURVE"): every process gets DriverOptions.curve,
 * so every server is a CURVE server publishing its key through the matchmaker and every
 * client a CURVE client connecting with the key each entry publishes.
 *
 * - Keys are drawn from the seed, one pair per host and key generation; a host's
 *   generation is its incarnation modulo KEY_GENERATIONS, so every restart rotates the
 *   host's key pair (its new entry carries the new key; its old entry, crashed, waits out
 *   the TTL with the old one).
 * - Every server allows the client keys of every host and generation, except those of
 *   the `refusedHosts`: a client there is refused by every server, and none of its requests
 *   may ever be read or run (checker curve-refused-never-run). Every client pins the
 *   server keys of every host and generation (curve.allowedServerKeys).
 * - Public keys are computed from the secret keys with X25519 (getRpcTransport checks the
 *   pair); the simulated sockets compare keys as strings (sim/net/curve-handshake.ts).
 */
import { z85Encode } from "../../src/core/curve-key.js";
import type { CurveOptions } from "../../src/core/curve-options.js";
import type { CurveKeyPair } from "../../src/ports/socket.js";
import { curvePublicKeyOf } from "../../src/runtime/node/curve-keys.js";
import { Prng } from "../prng.js";

export const KEY_GENERATIONS = 4;

export interface SimCurveOptions {
  /** Client-only hosts (index >= cluster.servers) whose key no server allows. @default [] */
  refusedHosts: number[];
}

export class SimCurve {
  private readonly pairs = new Map<string, CurveKeyPair>();
  private allowed: string[] | undefined;
  private servers: string[] | undefined;
  readonly refused: ReadonlySet<number>;

  constructor(
    private readonly seed: number,
    private readonly hosts: number,
    o: SimCurveOptions,
  ) {
    this.refused = new Set(o.refusedHosts);
  }

  /** The key pair of `host` in its incarnation `incarnation`. */
  keyPair(host: number, incarnation: number): CurveKeyPair {
    const g = incarnation % KEY_GENERATIONS;
    const id = `${host}/${g}`;
    let pair = this.pairs.get(id);
    if (!pair) {
      const rng = Prng.derive(this.seed, `curve/h${host}/g${g}`);
      const secret = Buffer.alloc(32);
      for (let i = 0; i < 32; i += 4) secret.writeUInt32BE(rng.nextUint32(), i);
      const secretKey = z85Encode(secret);
      pair = { publicKey: curvePublicKeyOf(secretKey), secretKey };
      this.pairs.set(id, pair);
    }
    return pair;
  }

  /** DriverOptions.curve of `host` in `incarnation`. */
  optionsFor(host: number, incarnation: number): CurveOptions {
    return {
      ...this.keyPair(host, incarnation),
      allowedClientKeys: this.allowedClientKeys(),
      allowedServerKeys: this.allServerKeys(),
    };
  }

  /** Every host's keys of every generation (made once, shared by every client). */
  private allServerKeys(): string[] {
    if (!this.servers) {
      this.servers = [];
      for (let h = 0; h < this.hosts; h++)
        for (let g = 0; g < KEY_GENERATIONS; g++) this.servers.push(this.keyPair(h, g).publicKey);
    }
    return this.servers;
  }

  /** Every host's keys of every generation, but the refused hosts' (made once, shared by every server). */
  private allowedClientKeys(): string[] {
    if (!this.allowed) {
      this.allowed = [];
      for (let h = 0; h < this.hosts; h++)
        if (!this.refused.has(h))
          for (let g = 0; g < KEY_GENERATIONS; g++) this.allowed.push(this.keyPair(h, g).publicKey);
    }
    return this.allowed;
  }
}
