/**
 * One per transport (spec/observability.md): the shells report facts here, and only here
 * are status events emitted, log lines written and event-driven metric points recorded.
 * It also holds the transport's Tracing and DriverMetrics, and brackets each client
 * request when tracing or metrics are on (`beginClient` / `endClient`).
 */
import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import type { Clock } from "../ports/clock.js";
import { RateLimitedLog, type DriverLogger, type LogLevel } from "./log-hook.js";
import { DriverMetrics, type ClientOutcome } from "./metrics.js";
import { StatusListeners, type StatusEvent } from "./status-events.js";
import { Tracing, type ClientSpan, type SpanOp, type SpanTarget } from "./tracing.js";

export interface ObserverDeps {
  clock: Clock;
  logger?: DriverLogger | undefined;
  tracerProvider?: TracerProvider | undefined;
  meterProvider?: MeterProvider | undefined;
}

/** A client request while tracing or metrics are on. */
export interface ClientProbe {
  op: SpanOp;
  topic: string;
  startMs: number;
  span: ClientSpan | undefined;
}

const LEVELS: Readonly<Record<StatusEvent["type"], LogLevel>> = {
  "matchmaker-down": "warn",
  "matchmaker-up": "info",
  "peer-dead": "warn",
  "breaker-open": "warn",
  "breaker-closed": "info",
  "frame-dropped": "warn",
  "retry-exhausted": "warn",
  "server-started": "info",
  "server-stopped": "info",
  "registration-failed": "warn",
};

/** The log key of an event: its type, whom it is about and why (the rate limit counts by it). */
function logKey(e: StatusEvent): string {
  switch (e.type) {
    case "frame-dropped":
      return `${e.type}|${e.side}|${e.peer}|${e.reason}`;
    case "peer-dead":
      return `${e.type}|${e.peer}`;
    case "breaker-open":
    case "breaker-closed":
      return `${e.type}|${e.host}`;
    case "retry-exhausted":
    case "registration-failed":
      return `${e.type}|${e.key}`;
    case "matchmaker-down":
    case "matchmaker-up":
      return `${e.type}|${e.matchmaker}`;
    case "server-started":
    case "server-stopped":
      return `${e.type}|${e.host}`;
  }
}

/** One sentence per event. */
export function describeEvent(e: StatusEvent): string {
  switch (e.type) {
    case "matchmaker-down":
      return `matchmaker ${e.matchmaker} unreachable: ${e.error}`;
    case "matchmaker-up":
      return `matchmaker ${e.matchmaker} reachable again after ${Math.round(e.downMs)} ms`;
    case "peer-dead":
      return `connection to ${e.peer} dropped or missed its heartbeats; host believed dead`;
    case "breaker-open":
      return `circuit breaker of ${e.host} opened`;
    case "breaker-closed":
      return `circuit breaker of ${e.host} closed`;
    case "frame-dropped":
      return `${e.side} dropped a frame set from ${e.peer} (${e.reason}): ${e.detail}`;
    case "retry-exhausted":
      return `${e.kind} ${e.messageId} to ${e.key} failed: ${e.error}`;
    case "server-started":
      return `server ${e.exchange}/${e.topic}/${e.server} listening at ${e.host}`;
    case "server-stopped":
      return `server ${e.exchange}/${e.topic}/${e.server} at ${e.host} stopped`;
    case "registration-failed":
      return `registration of ${e.key} could not be refreshed: ${e.error}`;
  }
}

export class Observer {
  readonly events: StatusListeners;
  readonly tracing: Tracing;
  readonly metrics: DriverMetrics;
  private readonly log: RateLimitedLog;
  private readonly clock: Clock;

  constructor(deps: ObserverDeps) {
    this.clock = deps.clock;
    this.log = new RateLimitedLog(deps.logger);
    this.events = new StatusListeners((err, event) =>
      this.log.log(
        "error",
        `listener|${event.type}`,
        { type: event.type, error: err instanceof Error ? err.message : String(err) },
        "a status listener threw",
        this.clock.nowMs(),
      ),
    );
    this.tracing = new Tracing(deps.tracerProvider);
    this.metrics = new DriverMetrics(deps.meterProvider);
  }

  /** Emits `e` to the status listeners, logs it (rate-limited) and counts it. */
  report(e: StatusEvent): void {
    switch (e.type) {
      case "frame-dropped":
        this.metrics.frameDropped(e.side, e.reason);
        break;
      case "matchmaker-down":
        this.metrics.matchmakerOutage();
        break;
      case "peer-dead":
        this.metrics.peerDead();
        break;
      case "breaker-open":
        this.metrics.breakerChanged("open");
        break;
      case "breaker-closed":
        this.metrics.breakerChanged("closed");
        break;
      default:
        break;
    }
    if (this.events.active) this.events.emit(e);
    if (this.log.enabled)
      this.log.log(
        LEVELS[e.type],
        logKey(e),
        e as unknown as Record<string, unknown>,
        describeEvent(e),
        this.clock.nowMs(),
      );
  }

  /** Brackets a client request when tracing or metrics are on; undefined (and no cost beyond the checks) otherwise. */
  beginClient(op: SpanOp, t: SpanTarget, key: () => string): ClientProbe | undefined {
    const span = this.tracing.startClient(op, t, key);
    if (span === undefined && !this.metrics.enabled) return undefined;
    return { op, topic: t.topic, startMs: this.clock.nowMs(), span };
  }

  /** `sent`, ending the probe's span and recording its metrics when it settles. */
  endClient<T>(p: ClientProbe, sent: Promise<T>): Promise<T> {
    return sent.then(
      (v) => {
        this.finish(p, true, undefined);
        return v;
      },
      (err: unknown) => {
        this.finish(p, false, err);
        throw err;
      },
    );
  }

  private finish(p: ClientProbe, ok: boolean, err: unknown): void {
    if (p.span !== undefined) this.tracing.endClient(p.span, ok, err);
    if (this.metrics.enabled)
      this.metrics.clientSettled(p.op, p.topic, ok ? "ok" : clientOutcome(err), this.clock.nowMs() - p.startMs);
  }
}

/** How a rejected request counts (spec/observability.md, "Metrics"). */
export function clientOutcome(err: unknown): ClientOutcome {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "MessagingTimeout") return "timeout";
  if (code === "MessageDeliveryFailure") return "delivery_failure";
  if (code === "RemoteError" || code === "NoSuchMethod" || code === "UnsupportedVersion") return "remote_error";
  // Other driver errors are local (TransportClosed, PayloadTooLarge, ...); an exception
  // rebuilt from a reply has no code of the driver's.
  return typeof code === "string" ? "error" : "remote_error";
}
