/**
 * CURVE keys as the driver handles them (spec/security.md): Z85 text (ZeroMQ RFC 32), 40
 * characters for the 32 bytes of a Curve25519 key, as zeromq.js reads and writes them.
 * Pure functions: encode, decode, check. A check of a secret key never puts the key in
 * its error message.
 */
import { rangeError, typeError } from "./validate.js";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Characters of a Z85 CURVE key. */
export const CURVE_KEY_CHARS = 40;
/** Bytes of a CURVE key. */
export const CURVE_KEY_BYTES = 32;

/** Z85 text of `bytes` (a multiple of 4 bytes long). */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`z85Encode: ${bytes.length} bytes is not a multiple of 4`);
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(ALPHABET[v % 85]!);
      v = Math.floor(v / 85);
    }
    out += chunk.join("");
  }
  return out;
}

/** The bytes of Z85 text, or undefined when it is not Z85 (length, alphabet, a group above 2^32 - 1). */
export function z85Decode(text: string): Buffer | undefined {
  if (text.length % 5 !== 0) return undefined;
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const d = ALPHABET.indexOf(text[i + j]!);
      if (d < 0) return undefined;
      v = v * 85 + d;
    }
    if (v > 0xffffffff) return undefined;
    out.writeUInt32BE(v, (i / 5) * 4);
  }
  return out;
}

/** Whether `v` is a Z85 CURVE key: a string of 40 Z85 characters that decodes to 32 bytes. */
export function isCurveKey(v: unknown): v is string {
  return typeof v === "string" && v.length === CURVE_KEY_CHARS && z85Decode(v) !== undefined;
}

const EXPECTED = `a CURVE key (${CURVE_KEY_CHARS} Z85 characters, as generateCurveKeyPair() makes)`;

/**
 * `v` as a public CURVE key: a TypeError naming `what` when it is not a string, a
 * RangeError when it is not 40 Z85 characters (showing the value: public keys are not secret).
 */
export function publicCurveKey(what: string, v: unknown): string {
  if (typeof v !== "string") throw typeError(what, EXPECTED, v);
  if (!isCurveKey(v)) throw rangeError(what, EXPECTED, v);
  return v;
}

/** `v` as a secret CURVE key: the same errors, naming `what` and the value's type and length, never the value. */
export function secretCurveKey(what: string, v: unknown): string {
  if (isCurveKey(v)) return v;
  if (typeof v === "string")
    throw new RangeError(`${what} must be ${EXPECTED}, got a string of ${v.length} characters (not shown)`);
  throw new TypeError(
    `${what} must be ${EXPECTED}, got ${v === null ? "null" : `a value of type ${typeof v}`} (not shown)`,
  );
}

/** The 64 lowercase hex digits of a Z85 key (the form a key takes in a matchmaker entry). */
export function curveKeyHex(z85: string): string {
  const bytes = z85Decode(z85);
  if (bytes === undefined || bytes.length !== CURVE_KEY_BYTES) throw new RangeError("curveKeyHex: not a CURVE key");
  return bytes.toString("hex");
}

/** The Z85 key of 64 hex digits. */
export function curveKeyOfHex(hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new RangeError("curveKeyOfHex: not 64 lowercase hex digits");
  return z85Encode(Buffer.from(hex, "hex"));
}
