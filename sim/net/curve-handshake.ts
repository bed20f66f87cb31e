/**
 * The security part of a simulated handshake (src/ports/socket.ts, CURVE rules;
 * test/contract/socket-port-curve.contract.ts): whether a connecting socket and the socket
 * it reaches agree, and if not, what each side reports, as libzmq 4.3.5 does (measured):
 *
 * | connecting side          | bound side                        | connecting side sees     | bound side sees |
 * | ------------------------ | --------------------------------- | ------------------------ | --------------- |
 * | plaintext                | CURVE server                      | "mechanism", gives up    | "mechanism"     |
 * | CURVE client             | plaintext                         | "mechanism", gives up    | "mechanism"     |
 * | CURVE, another server key| CURVE server                      | "other", reconnects      | "protocol"      |
 * | CURVE, key not allowed   | CURVE server with allowedClientKeys| "auth", gives up        | "auth" and "auth:refused" |
 *
 * Keys are compared as strings: the simulation does no cryptography, and a key pair's
 * halves are checked to belong together by getRpcTransport, before any socket exists.
 */
import type { CurveKeyPair, CurveServerOptions, HandshakeFailure } from "../../src/ports/socket.js";

export interface Refusal {
  /** What the connecting socket reports. */
  readonly client: HandshakeFailure;
  /** What the bound socket reports. */
  readonly server: HandshakeFailure;
  /** The connecting side gives up this connection (libzmq does not reconnect after it). */
  readonly final: boolean;
  /** The client key the server's allow-list refused (an "auth:refused" event), if that is the cause. */
  readonly refusedKey: string | undefined;
}

/** Trace codes of the refusals (the refused record's `reason`). */
export const REFUSAL_CODE: Readonly<Record<HandshakeFailure, number>> = {
  auth: 1,
  mechanism: 2,
  protocol: 3,
  other: 4,
};

/**
 * The refusal of a handshake between a connecting socket (`client` keys, naming
 * `serverKey`) and a bound one (`server` keys, `allowed`: its allow-list as a set), or
 * undefined when they agree.
 */
export function curveRefusal(
  client: CurveKeyPair | undefined,
  serverKey: string | undefined,
  server: CurveServerOptions | undefined,
  allowed: ReadonlySet<string> | undefined,
): Refusal | undefined {
  if (client === undefined && server === undefined) return undefined;
  if (client === undefined || server === undefined)
    return { client: "mechanism", server: "mechanism", final: true, refusedKey: undefined };
  if (serverKey !== server.publicKey)
    return { client: "other", server: "protocol", final: false, refusedKey: undefined };
  if (allowed !== undefined && !allowed.has(client.publicKey))
    return { client: "auth", server: "auth", final: true, refusedKey: client.publicKey };
  return undefined;
}
