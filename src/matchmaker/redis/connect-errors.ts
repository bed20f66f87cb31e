/**
 * What an error of an ioredis connection means for the operator: a wrong user or password,
 * a user the ACL does not allow a command, a TLS problem (untrusted certificate, a client
 * certificate required, a port that does not speak TLS), or an outage. Pure: reads the
 * error's code and message only (the secrets are already scrubbed, connection.ts).
 *
 * The first three are "fatal" at startup: createRedisMatchmaker fails getRpcTransport with
 * MatchmakerUnavailable naming the cause instead of retrying for ever. An outage is not
 * (the transport starts and works once Redis answers; spec/matchmaker-redis.md).
 */
import type { MatchmakerFailure } from "../../errors.js";

export interface ErrorMeaning {
  reason: MatchmakerFailure;
  /** A short phrase for messages, e.g. "authentication failed (WRONGPASS invalid username-password pair ...)". */
  text: string;
  /** The error's code (ECONNREFUSED, ETIMEDOUT, SELF_SIGNED_CERT_IN_CHAIN…), "" when it has none. */
  code: string;
}

/** OpenSSL and Node codes of certificate checks and TLS handshakes. */
const TLS_CODE =
  /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED)/;

/** TLS failures named only in a message ("All sentinels are unreachable. … Last error: self-signed certificate …"). */
const TLS_MESSAGE =
  /self[- ]signed certificate|unable to (verify|get issuer)|certificate (has expired|is not yet valid)|does not match certificate's altnames|SSL routines|alert certificate required/i;

/** Readable phrases for the TLS codes an operator meets most. */
const TLS_HINTS: Readonly<Record<string, string>> = {
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in chain: the server's CA is not trusted (set tls.ca)",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed server certificate is not trusted (set tls.ca)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server certificate's issuer is not trusted (set tls.ca)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server certificate's issuer is not trusted (set tls.ca)",
  CERT_HAS_EXPIRED: "the server certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server certificate does not name this host (tls.servername)",
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: "the server requires a client certificate (set tls.cert and tls.key)",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: "the server refused the client certificate",
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: "the server does not trust the client certificate's CA",
  ERR_SSL_WRONG_VERSION_NUMBER: "the server did not answer in TLS (is it a TLS port?)",
  ERR_SSL_PACKET_LENGTH_TOO_LONG: "the server did not answer in TLS (is it a TLS port?)",
};

function firstLine(s: string): string {
  const line = s.split("\n")[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * The meaning of a connection or command error; undefined when it is not an error.
 * `firstConnect`: the connection was never ready (a reset then hints at a TLS-only port).
 */
export function errorMeaning(err: unknown, tls: boolean, firstConnect = false): ErrorMeaning | undefined {
  if (!(err instanceof Error)) return undefined;
  const raw: unknown = (err as { code?: unknown }).code;
  const code = typeof raw === "string" ? raw : "";
  // ioredis's Sentinel connector: "All sentinels are unreachable. Retrying from scratch after 300ms. Last error: …".
  const sentinels = /^All sentinels are unreachable\..*?Last error: (.*)$/s.exec(err.message);
  const message = sentinels ? `no Sentinel answered: ${firstLine(sentinels[1]!)}` : firstLine(err.message);
  if (/\b(WRONGPASS|NOAUTH)\b|invalid password|invalid username-password/i.test(message))
    return { reason: "authentication", text: `authentication failed (${message})`, code };
  if (/\bNOPERM\b/.test(message)) return { reason: "permission", text: `permission denied (${message})`, code };
  if (TLS_CODE.test(code)) {
    const hint = TLS_HINTS[code];
    return { reason: "tls", text: `TLS: ${hint ?? message} (${code})`, code };
  }
  // ioredis's Sentinel connector reports the last Sentinel's error inside its own message, without the code.
  if (TLS_MESSAGE.test(message)) return { reason: "tls", text: `TLS: ${message}`, code };
  if (firstConnect && !tls && code === "ECONNRESET")
    return {
      reason: "unavailable",
      text: `${message}: the server closed the connection before answering (a TLS-only port? use zmq+rediss://)`,
      code,
    };
  return { reason: "unavailable", text: message, code };
}

/** True for the meanings that stop a transport from starting (a retry cannot help). */
export function isFatal(m: ErrorMeaning | undefined): boolean {
  return m !== undefined && m.reason !== "unavailable";
}
