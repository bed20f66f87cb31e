/**
 * What a pooled socket's failed security handshake means for its sends (spec/security.md,
 * "Failure modes"): a send that could not go out because the handshake with its host
 * failed, or because the pool refused to connect at all, fails with PortError
 * "EHANDSHAKE" whose message names the host and the cause. The delivery core keeps it as
 * the request's last cause, and the request's final error (MessagingTimeout at its
 * deadline, MessageDeliveryFailure) names it (src/core/delivery-errors.ts).
 */
import type { HostEntry } from "../core/host-entry.js";
import { PortError, type HandshakeFailure, type PortSocket } from "../ports/socket.js";

/**
 * Connects a pooled `socket` to `entry` (the matchmaker entry `peer`) as its security
 * allows, naming the published key when it is a CURVE client. Returns the error the
 * socket's sends must fail with instead, when it did not connect: a refused security
 * (securityMismatch), or an address connect refused (it came from the matchmaker).
 */
export function connectPeer(
  socket: Pick<PortSocket, "connect">,
  peer: string,
  entry: HostEntry,
  curveClient: boolean,
  pinned: ReadonlySet<string> | undefined,
): PortError | undefined {
  const refused = securityMismatch(entry, curveClient, pinned);
  if (refused !== undefined) return refused;
  try {
    const key = entry.curveServerKey;
    socket.connect(entry.address, key === undefined ? undefined : { curveServerKey: key });
    return undefined;
  } catch (err) {
    return err instanceof PortError ? err : new PortError("EINVAL", `cannot connect to ${peer}`, { cause: err });
  }
}

/**
 * Why the pool does not connect to `entry` at all, or undefined when it may: a CURVE
 * transport never connects in plaintext, a plaintext one cannot speak to a host that
 * published a CURVE key, and with pinned server keys (`pinned`: curve.allowedServerKeys)
 * a CURVE transport never connects to a key outside them.
 */
export function securityMismatch(
  entry: HostEntry,
  curveClient: boolean,
  pinned?: ReadonlySet<string>,
): PortError | undefined {
  if (curveClient && entry.curveServerKey === undefined)
    return new PortError(
      "EHANDSHAKE",
      `${entry.address} published no CURVE key: this transport requires CURVE (DriverOptions.curve) and never connects in plaintext`,
    );
  if (!curveClient && entry.curveServerKey !== undefined)
    return new PortError(
      "EHANDSHAKE",
      `${entry.address} requires CURVE (its matchmaker entry carries its public key) and this transport has no DriverOptions.curve`,
    );
  if (pinned !== undefined && entry.curveServerKey !== undefined && !pinned.has(entry.curveServerKey))
    return new PortError(
      "EHANDSHAKE",
      `${entry.address} published a CURVE key that is not in curve.allowedServerKeys (an unknown or forged registration): not connected`,
    );
  return undefined;
}

/** The cause of a failed handshake with `address`, in words. */
export function handshakeCause(address: string, reason: HandshakeFailure, curveClient: boolean): string {
  switch (reason) {
    case "auth":
      return `the server at ${address} refused this client's CURVE key (not in its curve.allowedClientKeys)`;
    case "mechanism":
      return curveClient
        ? `${address} does not use CURVE, and this transport never falls back to plaintext`
        : `${address} requires CURVE and this transport has no DriverOptions.curve`;
    case "protocol":
      return `the security handshake with ${address} failed (ZMTP protocol error)`;
    case "other":
      // libzmq reports any connection lost mid-handshake so: a server that cannot decrypt
      // the client's HELLO hangs up, and so does one that is stopping or gone.
      return curveClient
        ? `the CURVE handshake with ${address} failed: the server hung up (the key published for it may not be its key, as after a key rotation or in a forged entry; or the server is going away)`
        : `the handshake with ${address} failed: the server hung up`;
  }
}

/**
 * A send's error, explained when its socket's last handshake failed (`reason`). A plaintext
 * socket's "other" failure (a server that went away mid-handshake) is left as it was: it
 * says nothing about security.
 */
export function explainSendError(
  err: PortError,
  address: string,
  reason: HandshakeFailure | undefined,
  curveClient: boolean,
): PortError {
  if (reason === undefined || (err.code !== "EAGAIN" && err.code !== "ECLOSED")) return err;
  if (reason === "other" && !curveClient) return err;
  return new PortError("EHANDSHAKE", handshakeCause(address, reason, curveClient), { cause: err });
}
