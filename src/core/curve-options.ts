/**
 * DriverOptions.curve (spec/security.md, spec/transport.md "Options"): checked once by
 * resolveOptions. Whether the public key belongs to the secret key needs Curve25519, so
 * getRpcTransport checks that (src/api/transport.ts) with the real shell's crypto.
 *
 * The resolved object keeps the secret key in a non-enumerable property: it is read by
 * the code that makes sockets, and left out of JSON.stringify, util.inspect (console.log)
 * and object spreads of the options.
 */
import { publicCurveKey, secretCurveKey } from "./curve-key.js";
import { knownKeys, optionsObject, typeError } from "./validate.js";

/** CURVE encryption and authentication of every connection of a transport (spec/security.md). */
export interface CurveOptions {
  /**
   * This process's public key (Z85, 40 characters): published in the matchmaker with the
   * address of each of its servers, and presented as a client.
   */
  publicKey: string;
  /** Its secret key (Z85, 40 characters). Never printed: not in errors, logs or the options' JSON. */
  secretKey: string;
  /**
   * When set, this process's servers accept only clients holding one of these public keys
   * (refused handshakes: stats.refusedHandshakes); unset, any CURVE client that knows the
   * server's published key. @default unset (no client authentication)
   */
  allowedClientKeys?: string[];
  /**
   * When set, this process's clients connect only to servers whose published key is listed
   * (pinned server keys): a matchmaker entry with any other key, forged or unknown, is
   * never connected to. Unset, a client trusts the key the matchmaker publishes.
   * @default unset (trust the matchmaker)
   */
  allowedServerKeys?: string[];
}

export interface ResolvedCurve {
  readonly publicKey: string;
  /** Non-enumerable (see above). */
  readonly secretKey: string;
  readonly allowedClientKeys: readonly string[] | undefined;
  readonly allowedServerKeys: readonly string[] | undefined;
}

export const CURVE_OPTION_KEYS = [
  "publicKey",
  "secretKey",
  "allowedClientKeys",
  "allowedServerKeys",
] as const satisfies readonly (keyof CurveOptions)[];

/** Checks DriverOptions.curve: known fields, Z85 keys (the secret one never shown), a list of client keys. */
export function resolveCurve(v: unknown): ResolvedCurve | null {
  if (v === undefined) return null;
  const what = "DriverOptions.curve";
  const c = optionsObject(what, v);
  knownKeys(what, c, CURVE_OPTION_KEYS);
  const publicKey = publicCurveKey(`${what}.publicKey`, c.publicKey);
  const secretKey = secretCurveKey(`${what}.secretKey`, c.secretKey);
  const out = {
    publicKey,
    allowedClientKeys: keyList(`${what}.allowedClientKeys`, c.allowedClientKeys),
    allowedServerKeys: keyList(`${what}.allowedServerKeys`, c.allowedServerKeys),
  } as ResolvedCurve;
  Object.defineProperty(out, "secretKey", { value: secretKey, enumerable: false });
  return Object.freeze(out);
}

/** A list of public keys, checked and frozen; undefined stays undefined. */
function keyList(what: string, v: unknown): readonly string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw typeError(what, "an array of CURVE public keys", v);
  return Object.freeze(v.map((k: unknown, i: number) => publicCurveKey(`${what}[${i}]`, k)));
}
