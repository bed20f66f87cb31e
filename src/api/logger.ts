/**
 * The logging hook of notifications: where a notifier says that a notification had no
 * listener, and a notification listener says that it dropped a notification after its
 * requeues, lost a requeue or that an endpoint threw (oslo logged these as WARNING and
 * "Callback raised an exception"); and where a server says that it refused a security
 * handshake, once per client key or cause (RpcServerOptions.logger, spec/security.md).
 * Nothing else in the driver logs (spec/notifications.md, "Failure modes"). The default
 * writes to the console's warn; pass your own to route the lines to an application log,
 * or one that ignores them.
 */
import { withMethods } from "../core/validate.js";

export interface Logger {
  /** One line about something that went wrong and was counted; `details` are the structured fields. */
  warn(message: string, details?: Record<string, unknown>): void;
}

/** Writes warnings to the console (the default logger). */
export const consoleLogger: Logger = Object.freeze({
  warn: (message: string, details?: Record<string, unknown>) =>
    details === undefined ? console.warn(message) : console.warn(message, details),
});

/** Throws a TypeError naming `what` unless `v` has a warn method. */
export function checkLogger(what: string, v: unknown): Logger {
  withMethods(what, v, ["warn"]);
  return v as Logger;
}

/** Calls the logger, never letting its failure reach the driver. */
export function safeWarn(logger: Logger, message: string, details?: Record<string, unknown>): void {
  try {
    logger.warn(message, details);
  } catch {
    /* a logger that throws must not break delivery */
  }
}
