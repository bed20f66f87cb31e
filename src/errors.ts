/**
 * Typed errors of the driver.
 *
 * Rules:
 * - Every error the driver raises is a `MessagingError` with a `code` from the closed
 *   `MessagingErrorCode` union, so callers can `switch (err.code)` exhaustively.
 * - Names follow oslo.messaging where the behaviour matches (`MessagingTimeout`,
 *   `RemoteError`, `InvalidTarget`, ...), so ported code and logs read the same.
 * - `retryable` tells a retry policy whether repeating the same request can help; the
 *   error knows, the policy does not guess.
 * - The underlying cause (a zeromq.js error with its `code`, a Redis error) is chained
 *   with the standard `cause` option.
 */
import { redactUrl } from "./core/redact.js";

export type MessagingErrorCode =
  | "MessagingError"
  | "MessagingTimeout"
  | "MessageDeliveryFailure"
  | "InvalidTarget"
  | "InvalidTransportURL"
  | "RemoteError"
  | "RPCVersionCapError"
  | "NoSuchMethod"
  | "UnsupportedVersion"
  | "MatchmakerUnavailable"
  | "TransportClosed"
  | "PayloadTooLarge";

export class MessagingError extends Error {
  readonly code: MessagingErrorCode;
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; code?: MessagingErrorCode; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options?.code ?? "MessagingError";
    this.retryable = options?.retryable ?? false;
  }
}

/** A call got no reply before its deadline (oslo: MessagingTimeout). */
export class MessagingTimeout extends MessagingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "MessagingTimeout", retryable: true });
  }
}

/**
 * A request could not be delivered: a cast or fanout found no receiver before its
 * deadline, its sends failed past `retry`, or (acks on) the host it was sent to is
 * believed dead and the request may not move to another server. `host` names that host
 * when one is to blame; `retryable` is false when the host may have run the request (it
 * accepted a copy), since repeating it could run it twice.
 */
export class MessageDeliveryFailure extends MessagingError {
  readonly host: string | undefined;
  constructor(message: string, options?: { cause?: unknown; host?: string; retryable?: boolean }) {
    super(message, { cause: options?.cause, code: "MessageDeliveryFailure", retryable: options?.retryable ?? true });
    this.host = options?.host;
  }
}

/** The target is not usable for the requested operation (oslo: InvalidTarget). */
export class InvalidTarget extends MessagingError {
  readonly target: unknown;
  constructor(message: string, target: unknown) {
    super(`${message}: ${showTarget(target)}`, { code: "InvalidTarget" });
    this.target = target;
  }
}

/** The target as JSON for a message; a target JSON cannot carry is described instead of throwing. */
function showTarget(target: unknown): string {
  try {
    return JSON.stringify(target) ?? String(target);
  } catch {
    return "(a target that cannot be shown as JSON)";
  }
}

/**
 * The transport URL cannot be parsed or names an unsupported backend. `url` and the
 * message hold the URL with its password masked (`zmq+redis://user:***@host`).
 */
export class InvalidTransportURL extends MessagingError {
  readonly url: string;
  constructor(url: string, reason: string) {
    const shown = redactUrl(String(url));
    super(`Invalid transport URL ${JSON.stringify(shown)}: ${reason}`, { code: "InvalidTransportURL" });
    this.url = shown;
  }
}

/** An exception raised by a remote endpoint whose class is not re-created locally. */
export class RemoteError extends MessagingError {
  readonly excType: string;
  readonly value: string;
  readonly traceback: string;
  constructor(excType: string, value: string, traceback: string) {
    super(`Remote error: ${excType} ${value}\n${traceback}.`, { code: "RemoteError" });
    this.excType = excType;
    this.value = value;
    this.traceback = traceback;
  }
}

/** The requested version exceeds the client's version cap (checked before sending). */
export class RPCVersionCapError extends MessagingError {
  readonly version: string | null;
  readonly versionCap: string;
  constructor(version: string | null, versionCap: string) {
    super(
      `Requested message version, ${version} is incompatible. It needs to be equal in major version and less than or equal in minor version as the specified version cap ${versionCap}.`,
      { code: "RPCVersionCapError" },
    );
    this.version = version;
    this.versionCap = versionCap;
  }
}

/** Raised by the dispatcher: an endpoint matched namespace and version but lacks the method. */
export class NoSuchMethod extends MessagingError {
  readonly method: string;
  constructor(method: string) {
    super(`Endpoint does not support RPC method ${method}`, { code: "NoSuchMethod" });
    this.method = method;
  }
}

/** Raised by the dispatcher: no endpoint serves the requested namespace and version. */
export class UnsupportedVersion extends MessagingError {
  readonly version: string;
  readonly method: string | undefined;
  constructor(version: string, method?: string) {
    super(`Endpoint does not support RPC version ${version}. Attempted method: ${method}`, {
      code: "UnsupportedVersion",
    });
    this.version = version;
    this.method = method;
  }
}

/**
 * Why a matchmaker could not be used: "unavailable" (down, unreachable, hung: retrying
 * can help), "authentication" (wrong user or password), "permission" (the ACL user may
 * not run a command or touch a key), "tls" (certificate not trusted, a client certificate
 * required, a port that does not speak TLS). Only "unavailable" is retryable.
 */
export type MatchmakerFailure = "unavailable" | "authentication" | "permission" | "tls";

/** The matchmaker (name service) could not be reached or refused us; `reason` says why. Used as a `cause`. */
export class MatchmakerUnavailable extends MessagingError {
  readonly reason: MatchmakerFailure;
  constructor(message: string, options?: { cause?: unknown; reason?: MatchmakerFailure }) {
    const reason = options?.reason ?? "unavailable";
    super(message, { cause: options?.cause, code: "MatchmakerUnavailable", retryable: reason === "unavailable" });
    this.reason = reason;
  }
}

/** The transport was closed while the operation was pending, or used after close. */
export class TransportClosed extends MessagingError {
  constructor(message = "transport is closed") {
    super(message, { code: "TransportClosed" });
  }
}

/**
 * A message is larger than `DriverOptions.maxPayloadBytes` allows: refused before sending
 * (a request), answered with an error reply by the server (a reply it cannot send, a
 * request it will not read), or failed by the client (a reply over its own limit).
 */
export class PayloadTooLarge extends MessagingError {
  readonly bytes: number;
  readonly limitBytes: number;
  constructor(what: string, bytes: number, limitBytes: number) {
    super(`${what} of ${bytes} bytes exceeds maxPayloadBytes (${limitBytes} bytes)`, { code: "PayloadTooLarge" });
    this.bytes = bytes;
    this.limitBytes = limitBytes;
  }
}
