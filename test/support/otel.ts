/**
 * OpenTelemetry SDK pieces for the observability tests: a tracer provider with the SDK's
 * in-memory span exporter, a meter provider with a manual in-memory reader, and the
 * AsyncLocalStorage context manager (registered once per test process, so a handler's
 * spans nest under the server span).
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

export function installContextManager(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

export function memoryTracer(): { provider: BasicTracerProvider; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { provider, exporter };
}

/** The parent span id of `s` (SDK 2.x: parentSpanContext). */
export function parentOf(s: ReadableSpan): string | undefined {
  const x = s as unknown as { parentSpanContext?: { spanId: string }; parentSpanId?: string };
  return x.parentSpanContext?.spanId ?? x.parentSpanId;
}

class ManualReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export function memoryMeter(): { provider: MeterProvider; collect: () => Promise<MetricData[]> } {
  const reader = new ManualReader({
    aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    collect: async () => {
      const r = await reader.collect();
      return r.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    },
  };
}

/** The data points of metric `name` whose attributes include `attrs`. */
export function points(all: MetricData[], name: string, attrs: Record<string, unknown> = {}): DataPoint<unknown>[] {
  const m = all.find((x) => x.descriptor.name === name);
  if (m === undefined) return [];
  return (m.dataPoints as DataPoint<unknown>[]).filter((p) =>
    Object.entries(attrs).every(([k, v]) => p.attributes[k] === v),
  );
}

export { InMemoryMetricExporter };
