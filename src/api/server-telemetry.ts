/**
 * What an RpcServer adds for observability (spec/observability.md): its handler run inside
 * a SERVER or CONSUMER span with the server's metrics, the server-started and
 * server-stopped events, its entry in Transport.status(), and, with
 * DriverOptions.statsPublishIntervalMs, the stats it publishes for `npm run top`.
 */
import type { DecodedRpcRequest } from "../core/codec.js";
import { sendKey, type Target } from "../core/target.js";
import { DEFAULT_EXCHANGE } from "../core/target.js";
import type { HandlerResult, RequestHandler } from "../driver/rpc-listener.js";
import { emptyCounts, LATENCY_BUCKETS_MS, recordLatency } from "../observability/latency-buckets.js";
import type { Observer } from "../observability/observer.js";
import type { SpanOp } from "../observability/tracing.js";
import type { Clock, TimerId } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import type { ServerProbe } from "./status.js";

const OPS: Readonly<Record<1 | 2 | 3, SpanOp>> = { 1: "call", 2: "cast", 3: "fanout" };

/** The class name in a serialized remote exception (its "class" field), for error.type. */
function failureClass(result: HandlerResult): string | undefined {
  if (!("failure" in result)) return undefined;
  try {
    // A JavaScript built-in travels under a Python built-in's name with its own in js_class
    // (core/remote-error.ts): the span names the class the handler threw.
    const f = JSON.parse(result.failure) as { class?: unknown; js_class?: unknown };
    const cls = typeof f.js_class === "string" ? f.js_class : f.class;
    return typeof cls === "string" ? cls : "RemoteError";
  } catch {
    return "RemoteError";
  }
}

export interface ServerTelemetryDeps {
  observer: Observer;
  clock: Clock;
  matchmaker: Matchmaker;
  /** DriverOptions.statsPublishIntervalMs (0: off). */
  publishIntervalMs: number;
}

export class ServerTelemetry {
  private readonly exchange: string;
  private readonly topic: string;
  private handled = 0;
  private failed = 0;
  private readonly counts: number[] | undefined;
  private timer: TimerId | undefined;
  private removeProbe: (() => void) | undefined;
  private host: string | undefined;

  constructor(
    private readonly d: ServerTelemetryDeps,
    private readonly target: Target,
  ) {
    this.exchange = target.exchange ?? DEFAULT_EXCHANGE;
    this.topic = target.topic ?? "";
    this.counts = this.publishing ? emptyCounts() : undefined;
  }

  private get publishing(): boolean {
    return this.d.publishIntervalMs > 0 && this.d.matchmaker.publishStats !== undefined;
  }

  /** `handler` inside a span, with its time measured, when tracing, metrics or publishing are on. */
  wrap(handler: RequestHandler): RequestHandler {
    const { observer, clock } = this.d;
    const counts = this.counts;
    const t = { topic: this.topic, exchange: this.exchange, server: this.target.server };
    return (req: DecodedRpcRequest) => {
      const metrics = observer.metrics.enabled;
      if (!observer.tracing.on() && !metrics && counts === undefined) return handler(req);
      const op = OPS[req.type];
      const startMs = clock.nowMs();
      const run = observer.tracing.runServer(
        op,
        { ...t, method: req.message.method },
        req,
        this.host,
        () => handler(req),
        failureClass,
      );
      return run.then((result) => {
        const ms = clock.nowMs() - startMs;
        const failed = "failure" in result;
        this.handled++;
        if (failed) this.failed++;
        if (counts !== undefined) recordLatency(counts, ms);
        if (metrics) observer.metrics.serverHandled(op, this.topic, failed ? "error" : "ok", ms);
        return result;
      });
    };
  }

  /** The server is registered and receiving at `host`. */
  started(probe: ServerProbe, addServer: (p: ServerProbe) => () => void): void {
    if (this.removeProbe !== undefined) return; // a second start() of a running server
    this.host = probe.host;
    this.removeProbe = addServer(probe);
    this.d.observer.report({ type: "server-started", ...this.names(), host: probe.host ?? "" });
    if (this.publishing) this.schedulePublish();
  }

  /** The server stopped (or its start failed after started()). */
  stopped(): void {
    if (this.timer !== undefined) this.d.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.removeProbe?.();
    if (this.host === undefined) return;
    this.d.observer.report({ type: "server-stopped", ...this.names(), host: this.host });
    if (this.publishing) void this.d.matchmaker.removeStats?.(this.statsName()).catch(() => undefined);
  }

  private names(): { topic: string; exchange: string; server: string } {
    return { topic: this.topic, exchange: this.exchange, server: this.target.server ?? "" };
  }

  private statsName(): string {
    return sendKey({ ...this.target, fanout: false });
  }

  private schedulePublish(): void {
    const every = this.d.publishIntervalMs;
    const tick = (): void => {
      this.publish(every);
      this.timer = this.d.clock.setTimer(every, tick);
    };
    tick();
  }

  private publish(every: number): void {
    const json = JSON.stringify({
      v: 1,
      ...this.names(),
      host: this.host,
      handled: this.handled,
      failed: this.failed,
      atMs: this.d.clock.epochMs(),
      bucketsMs: LATENCY_BUCKETS_MS,
      counts: this.counts,
    });
    // A failed write (Redis down) is dropped: the next interval writes again.
    void this.d.matchmaker.publishStats?.(this.statsName(), json, every * 3).catch(() => undefined);
  }
}
