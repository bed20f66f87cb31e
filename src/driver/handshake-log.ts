/**
 * What a server logs about refused handshakes (spec/security.md, "Refused handshakes"):
 * every refusal is counted (ListenerStats.refusedHandshakes, by the listener), and logged
 * once per peer where the peer is known, so that a misconfigured or hostile client cannot
 * flood the log:
 * - a client key refused by the allow-list: once per key (the ZAP request names the key
 *   and the client's IP), for the first MAX_LOGGED_KEYS keys, then one line saying that
 *   further keys are counted only (a client can make new keys without end);
 * - a failure before any key is known (a client without CURVE at a CURVE server, or with
 *   CURVE at a plaintext one; a client using another server key): once per cause, since
 *   libzmq names no peer for it.
 * A peer that hung up mid-handshake ("other") is counted, not logged.
 */
import type { HandshakeFailure } from "../ports/socket.js";

/** A logging hook: one line and its structured fields (RpcServerOptions.logger's warn). */
export type Warn = (message: string, details?: Record<string, unknown>) => void;

export const MAX_LOGGED_KEYS = 1000;

export class HandshakeLog {
  private readonly keys = new Set<string>();
  private readonly causes = new Set<HandshakeFailure>();
  private keysCapped = false;

  constructor(
    private readonly server: string,
    private readonly curve: boolean,
    private readonly warn: Warn | undefined,
  ) {}

  /** The router reported a failed handshake. */
  failed(reason: HandshakeFailure): void {
    if (reason === "other" || reason === "auth" || this.causes.has(reason)) return; // "auth": refusedKey logs it
    this.causes.add(reason);
    const why =
      reason === "mechanism"
        ? this.curve
          ? "a client without CURVE tried to connect to this CURVE server"
          : "a CURVE client tried to connect to this plaintext server"
        : "a client failed the CURVE handshake (it used another server key than this server's)";
    this.log(`server ${this.server}: ${why}; refused (stats.refusedHandshakes counts every refusal; logged once)`, {
      reason,
    });
  }

  /** The allow-list refused `clientKey` (Z85) from `address`. */
  refusedKey(clientKey: string, address: string): void {
    if (this.keys.has(clientKey) || this.keysCapped) return;
    if (this.keys.size >= MAX_LOGGED_KEYS) {
      this.keysCapped = true;
      this.log(
        `server ${this.server}: more than ${MAX_LOGGED_KEYS} different client keys refused; further ones are counted in stats.refusedHandshakes, not logged`,
      );
      return;
    }
    this.keys.add(clientKey);
    this.log(`server ${this.server}: refused a CURVE client key not in curve.allowedClientKeys (logged once per key)`, {
      clientKey,
      address,
    });
  }

  private log(message: string, details?: Record<string, unknown>): void {
    try {
      this.warn?.(message, details);
    } catch {
      /* a logger that throws must not break the server */
    }
  }
}
