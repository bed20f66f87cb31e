/**
 * The driver's logging hook (spec/observability.md, "Logging hook"): DriverOptions.logger
 * takes any object with debug/info/warn/error called as (obj, msg), pino's shape; console
 * works too. Lines are rate-limited per log key (event type, peer, reason): at most
 * LINES_PER_WINDOW per WINDOW_MS, the first line of a later window carrying the count of
 * lines left out; at most MAX_KEYS keys are tracked, the rest share one. Every string
 * passes redactSecrets first. Time comes from the caller (the transport's Clock).
 */
import { withMethods } from "../core/validate.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** pino's logger shape (bunyan's too); `console` fits. */
export interface DriverLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const LOG_WINDOW_MS = 10_000;
export const LINES_PER_WINDOW = 5;
export const MAX_LOG_KEYS = 1000;
const OVERFLOW_KEY = "\u0000overflow";

/** Throws a TypeError naming `what` unless `v` has the four methods. */
export function checkDriverLogger(what: string, v: unknown): DriverLogger {
  withMethods(what, v, ["debug", "info", "warn", "error"]);
  return v as DriverLogger;
}

/**
 * `text` with secrets replaced by "***": a URL's password (scheme://user:pw@ and
 * scheme://:pw@), `password=...` and `AUTH <secret>` arguments.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]+@/gi, "$1***@")
    .replace(/(password["']?\s*[=:]\s*["']?)[^\s&"',;]+/gi, "$1***")
    .replace(/(\bAUTH\s+)(\S+\s+)?\S+/g, (_m, auth: string, user: string | undefined) =>
      user === undefined ? `${auth}***` : `${auth}${user}***`,
    );
}

/** A copy of `obj` whose string values (one level deep) are redacted. */
function redactObject(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = typeof v === "string" ? redactSecrets(v) : v;
  return out;
}

interface Window {
  startMs: number;
  lines: number;
  suppressed: number;
}

/** A logger with the rate limit and redaction; silent without a logger. */
export class RateLimitedLog {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly logger: DriverLogger | undefined) {}

  get enabled(): boolean {
    return this.logger !== undefined;
  }

  /** Logs one line under `key` at `nowMs`, unless the key's window is full. */
  log(level: LogLevel, key: string, obj: Record<string, unknown>, msg: string, nowMs: number): void {
    const logger = this.logger;
    if (logger === undefined) return;
    let k = key;
    let w = this.windows.get(k);
    if (w === undefined && this.windows.size >= MAX_LOG_KEYS) {
      this.forgetOld(nowMs);
      if (this.windows.size >= MAX_LOG_KEYS) {
        k = OVERFLOW_KEY;
        w = this.windows.get(k);
      }
    }
    if (w === undefined) {
      w = { startMs: nowMs, lines: 0, suppressed: 0 };
      this.windows.set(k, w);
    }
    let suppressed = 0;
    if (nowMs - w.startMs >= LOG_WINDOW_MS) {
      suppressed = w.suppressed;
      w.startMs = nowMs;
      w.lines = 0;
      w.suppressed = 0;
    }
    if (w.lines >= LINES_PER_WINDOW) {
      w.suppressed++;
      return;
    }
    w.lines++;
    const fields = redactObject(obj);
    if (suppressed > 0) fields.suppressed = suppressed;
    try {
      logger[level](fields, redactSecrets(msg));
    } catch {
      /* a logger that throws must not break the driver */
    }
  }

  /** Drops the windows that ended with nothing suppressed. */
  private forgetOld(nowMs: number): void {
    for (const [k, w] of this.windows)
      if (nowMs - w.startMs >= LOG_WINDOW_MS && w.suppressed === 0) this.windows.delete(k);
  }
}
