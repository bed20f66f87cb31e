/**
 * Status events (spec/observability.md, "Status events"): the closed union of facts an
 * operator may act on, and the listeners of one transport. Emitting is synchronous, in
 * the order listeners were added; a listener that throws is reported to `onListenerError`
 * and never reaches the driver.
 */

export type FrameDropReason = "malformed" | "oversized" | "unsupported" | "expired" | "refused";

export type StatusEvent =
  | { type: "matchmaker-down"; matchmaker: string; error: string }
  | { type: "matchmaker-up"; matchmaker: string; downMs: number }
  | { type: "peer-dead"; peer: string; reason: "disconnected" }
  | { type: "breaker-open"; host: string }
  | { type: "breaker-closed"; host: string }
  | { type: "frame-dropped"; side: "client" | "server"; reason: FrameDropReason; peer: string; detail: string }
  | { type: "retry-exhausted"; kind: "call" | "cast" | "fanout"; key: string; messageId: string; error: string }
  | { type: "server-started"; topic: string; exchange: string; server: string; host: string }
  | { type: "server-stopped"; topic: string; exchange: string; server: string; host: string }
  | { type: "registration-failed"; key: string; error: string };

export type StatusEventType = StatusEvent["type"];

/** Every event type, for documentation checks and tests. */
export const STATUS_EVENT_TYPES: readonly StatusEventType[] = Object.freeze([
  "matchmaker-down",
  "matchmaker-up",
  "peer-dead",
  "breaker-open",
  "breaker-closed",
  "frame-dropped",
  "retry-exhausted",
  "server-started",
  "server-stopped",
  "registration-failed",
]);

export type StatusListener = (event: StatusEvent) => void;

/** The status listeners of one transport. */
export class StatusListeners {
  private listeners: StatusListener[] = [];

  constructor(private readonly onListenerError: (err: unknown, event: StatusEvent) => void) {}

  /** Whether any listener is attached (reports skip building events otherwise). */
  get active(): boolean {
    return this.listeners.length > 0;
  }

  /** Adds `fn`; returns a function that removes it. */
  add(fn: StatusListener): () => void {
    this.listeners = [...this.listeners, fn];
    return () => this.remove(fn);
  }

  remove(fn: StatusListener): void {
    const i = this.listeners.indexOf(fn);
    if (i >= 0) this.listeners = [...this.listeners.slice(0, i), ...this.listeners.slice(i + 1)];
  }

  emit(event: StatusEvent): void {
    // A listener added or removed during emit takes effect at the next event.
    for (const fn of this.listeners) {
      try {
        fn(event);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }
}
