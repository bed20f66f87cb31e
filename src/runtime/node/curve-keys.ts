/**
 * CURVE key pairs for operators and for the option check (spec/security.md): a fresh pair
 * from libzmq (zeromq.js curveKeyPair, a Curve25519 pair from the OS's randomness), and
 * the public key that belongs to a secret key, computed with Node's X25519 (CurveZMQ keys
 * are X25519 keys), so that a mistyped pair fails at getRpcTransport instead of in every
 * handshake.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import * as zmq from "zeromq";
import { CURVE_KEY_BYTES, z85Decode, z85Encode } from "../../core/curve-key.js";
import type { CurveKeyPair } from "../../ports/socket.js";

/** The DER prefix of a PKCS#8 X25519 private key; the 32 key bytes follow. */
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** A fresh CURVE key pair, Z85 (40 characters each): the secret key is for one process only. */
export function generateCurveKeyPair(): CurveKeyPair {
  const { publicKey, secretKey } = zmq.curveKeyPair();
  return { publicKey, secretKey };
}

/** The public key (Z85) of a secret key (Z85); the caller checked that it is a CURVE key. */
export function curvePublicKeyOf(secretKey: string): string {
  const secret = z85Decode(secretKey);
  if (secret === undefined || secret.length !== CURVE_KEY_BYTES) throw new TypeError("not a CURVE secret key");
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secret]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  return z85Encode(spki.subarray(spki.length - CURVE_KEY_BYTES));
}
