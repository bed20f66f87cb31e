/**
 * Spans through @opentelemetry/api (spec/observability.md, "Traces"): a client span per
 * call, cast, fanout and notification, a server span per handled request, child of the
 * client span through "_zmq".traceparent, the handler run inside it.
 *
 * With the global provider and no SDK registered, `on()` is one method call (does the
 * proxy have a delegate?) and the client starts no span: nothing else is done.
 */
import {
  context,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import type { WireTrace } from "../core/wire-context.js";
import { formatTrace, parseTraceparent } from "./trace-context.js";

export const INSTRUMENTATION_NAME = "zmq-rpc-sandbox";
export const RPC_SYSTEM = "oslo_messaging";

export type SpanOp = "call" | "cast" | "fanout" | "notify";

/** What a span names: the target's fields and the method (a notification: its event type). */
export interface SpanTarget {
  topic: string;
  exchange: string;
  server?: string | undefined;
  method: string;
  /** The span's name, when not `<topic>/<method>` (a notification: `<topic>.<priority> send`). */
  name?: string;
}

/** A started client span and the trace context its request carries. */
export interface ClientSpan {
  span: Span;
  wire: WireTrace | undefined;
}

export class Tracing {
  private readonly provider: TracerProvider;
  private readonly proxy: ProxyTracerProvider | undefined;
  private readonly noop: TracerProvider | undefined;
  private tracer: Tracer | undefined;

  constructor(provider: TracerProvider | undefined) {
    this.provider = provider ?? trace.getTracerProvider();
    this.proxy = this.provider instanceof ProxyTracerProvider ? this.provider : undefined;
    // The proxy's delegate before any SDK registers: the API's no-op provider.
    this.noop = this.proxy === undefined ? undefined : new ProxyTracerProvider().getDelegate();
  }

  /** Whether spans may be recorded: a provider was given, or an SDK registered the global one. */
  on(): boolean {
    return this.proxy === undefined || this.proxy.getDelegate() !== this.noop;
  }

  private getTracer(): Tracer {
    this.tracer ??= this.provider.getTracer(INSTRUMENTATION_NAME);
    return this.tracer;
  }

  /** Starts a client span in the active context (a handler's span, if any); undefined when tracing is off. */
  startClient(op: SpanOp, t: SpanTarget, key: () => string): ClientSpan | undefined {
    if (!this.on()) return undefined;
    const attributes: Attributes = {
      "rpc.system": RPC_SYSTEM,
      "rpc.service": t.topic,
      "rpc.method": t.method,
      "messaging.destination.name": key(),
      "oslo_messaging.exchange": t.exchange,
      "oslo_messaging.kind": op,
    };
    if (op !== "call") attributes["messaging.system"] = RPC_SYSTEM;
    if (t.server) attributes["oslo_messaging.server"] = t.server;
    const name = t.name ?? `${t.topic}/${t.method}`;
    const span = this.getTracer().startSpan(name, {
      kind: op === "call" ? SpanKind.CLIENT : SpanKind.PRODUCER,
      attributes,
    });
    return { span, wire: formatTrace(span.spanContext()) };
  }

  /** Ends a client span when its request settles: ERROR with the error on a rejection. */
  endClient(s: ClientSpan, ok: boolean, err: unknown): void {
    if (!ok) markError(s.span, err);
    s.span.end();
  }

  /**
   * Runs `fn` (a server's handling of one request) inside a SERVER (call) or CONSUMER span,
   * child of the sender's span when its traceparent is valid; `failureOf` names the
   * error class of a failed result (the span is then ERROR). Tracing off: `fn()`.
   */
  runServer<T>(
    op: SpanOp,
    t: SpanTarget,
    req: { messageId: string; traceparent?: string | undefined; tracestate?: string | undefined },
    host: string | undefined,
    fn: () => Promise<T>,
    failureOf: (result: T) => string | undefined,
  ): Promise<T> {
    if (!this.on()) return fn();
    const remote = req.traceparent === undefined ? undefined : parseTraceparent(req.traceparent, req.tracestate);
    const parent = remote === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, remote);
    const attributes: Attributes = {
      "rpc.system": RPC_SYSTEM,
      "rpc.service": t.topic,
      "rpc.method": t.method,
      "messaging.message.id": req.messageId,
      "oslo_messaging.exchange": t.exchange,
      "oslo_messaging.kind": op,
    };
    if (op !== "call") attributes["messaging.system"] = RPC_SYSTEM;
    if (t.server) attributes["oslo_messaging.server"] = t.server;
    if (host !== undefined) attributes["server.address"] = host;
    const span = this.getTracer().startSpan(
      t.name ?? `${t.topic}/${t.method}`,
      { kind: op === "call" ? SpanKind.SERVER : SpanKind.CONSUMER, attributes },
      parent,
    );
    let pending: Promise<T>;
    try {
      pending = context.with(trace.setSpan(parent, span), fn);
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (result) => {
        const failure = failureOf(result);
        if (failure !== undefined) {
          span.setAttribute("error.type", failure);
          span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
        }
        span.end();
        return result;
      },
      (err: unknown) => {
        markError(span, err);
        span.end();
        throw err;
      },
    );
  }
}

function markError(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  span.setAttribute("error.type", typeof code === "string" ? code : e.name);
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}
