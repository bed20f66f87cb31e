/**
 * The driver's instruments (spec/observability.md, "Metrics", one table of names). The
 * observable ones read counters the components keep anyway, at collection time; the
 * others record a point per request or per event, and only when a MeterProvider other
 * than the API's no-op one was given (`enabled`).
 */
import {
  createNoopMeter,
  metrics,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
} from "@opentelemetry/api";
import type { FrameDropReason } from "./status-events.js";
import { INSTRUMENTATION_NAME, RPC_SYSTEM, type SpanOp } from "./tracing.js";

export type ClientOutcome = "ok" | "remote_error" | "timeout" | "delivery_failure" | "error";
export type ServerOutcome = "ok" | "error";

/** What the observable instruments read (the transport provides it; spec/observability.md). */
export interface MetricSources {
  pending(): number;
  pool(): { open: number; created: number; evicted: number; waiting: number };
  openHosts(): number;
  servers(): readonly { topic: string; server: string; queued: number; inFlight: number }[];
  matchmaker(): { available: boolean | null; lookups: number | undefined };
}

/** The counters and histograms this file records, by name (the table in spec/observability.md). */
const COUNTERS = {
  "rpc.client.requests": { unit: "{request}", description: "Requests settled, by outcome" },
  "rpc.server.requests": { unit: "{request}", description: "Requests handled, by outcome" },
  "oslo_messaging.frames.dropped": { unit: "{frame}", description: "Frame sets dropped, by side and reason" },
  "oslo_messaging.matchmaker.outages": { unit: "{outage}", description: "Times the matchmaker became unreachable" },
  "oslo_messaging.peers.dead": {
    unit: "{peer}",
    description: "Client connections that dropped or missed their heartbeats",
  },
  "oslo_messaging.breaker.transitions": { unit: "{transition}", description: "Circuit breaker openings and closings" },
} as const;
const HISTOGRAMS = {
  "rpc.client.duration": { unit: "ms", description: "From a request to its settling" },
  "rpc.server.duration": { unit: "ms", description: "Handler time" },
} as const;
type CounterName = keyof typeof COUNTERS;
type HistogramName = keyof typeof HISTOGRAMS;

export class DriverMetrics {
  /** Whether per-request points are recorded (a real MeterProvider). */
  readonly enabled: boolean;
  private readonly meter: Meter;
  private readonly clientRequests: Counter;
  private readonly clientDuration: Histogram;
  private readonly serverRequests: Counter;
  private readonly serverDuration: Histogram;
  private readonly framesDropped: Counter;
  private readonly outages: Counter;
  private readonly peersDead: Counter;
  private readonly breakerTransitions: Counter;

  constructor(provider: MeterProvider | undefined) {
    this.meter = (provider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME);
    this.enabled = this.meter.constructor !== createNoopMeter().constructor;
    const counter = (name: CounterName): Counter => this.meter.createCounter(name, COUNTERS[name]);
    const histogram = (name: HistogramName): Histogram => this.meter.createHistogram(name, HISTOGRAMS[name]);
    this.clientRequests = counter("rpc.client.requests");
    this.clientDuration = histogram("rpc.client.duration");
    this.serverRequests = counter("rpc.server.requests");
    this.serverDuration = histogram("rpc.server.duration");
    this.framesDropped = counter("oslo_messaging.frames.dropped");
    this.outages = counter("oslo_messaging.matchmaker.outages");
    this.peersDead = counter("oslo_messaging.peers.dead");
    this.breakerTransitions = counter("oslo_messaging.breaker.transitions");
  }

  clientSettled(op: SpanOp, topic: string, outcome: ClientOutcome, ms: number): void {
    const a: Attributes = { "rpc.system": RPC_SYSTEM, "rpc.service": topic, "oslo_messaging.kind": op, outcome };
    this.clientRequests.add(1, a);
    this.clientDuration.record(ms, a);
  }

  serverHandled(op: SpanOp, topic: string, outcome: ServerOutcome, ms: number): void {
    const a: Attributes = { "rpc.system": RPC_SYSTEM, "rpc.service": topic, "oslo_messaging.kind": op, outcome };
    this.serverRequests.add(1, a);
    this.serverDuration.record(ms, a);
  }

  frameDropped(side: "client" | "server", reason: FrameDropReason): void {
    this.framesDropped.add(1, { side, reason });
  }

  matchmakerOutage(): void {
    this.outages.add(1);
  }

  peerDead(): void {
    this.peersDead.add(1);
  }

  breakerChanged(state: "open" | "closed"): void {
    this.breakerTransitions.add(1, { state });
  }

  /** Registers the observable instruments over `s`; returns a function that removes them. */
  observe(s: MetricSources): () => void {
    const m = this.meter;
    const pending = m.createObservableUpDownCounter("oslo_messaging.client.pending", { unit: "{request}" });
    const open = m.createObservableUpDownCounter("oslo_messaging.pool.sockets.open", { unit: "{socket}" });
    const created = m.createObservableCounter("oslo_messaging.pool.sockets.created", { unit: "{socket}" });
    const evicted = m.createObservableCounter("oslo_messaging.pool.sockets.evicted", { unit: "{socket}" });
    const waiting = m.createObservableUpDownCounter("oslo_messaging.pool.waiting", { unit: "{request}" });
    const queued = m.createObservableUpDownCounter("oslo_messaging.server.queued", { unit: "{request}" });
    const inFlight = m.createObservableUpDownCounter("oslo_messaging.server.in_flight", { unit: "{request}" });
    const lookups = m.createObservableCounter("oslo_messaging.matchmaker.lookups", { unit: "{lookup}" });
    const available = m.createObservableGauge("oslo_messaging.matchmaker.available", { unit: "1" });
    const openHosts = m.createObservableUpDownCounter("oslo_messaging.breaker.open_hosts", { unit: "{host}" });
    const observables = [pending, open, created, evicted, waiting, queued, inFlight, lookups, available, openHosts];
    const callback = (r: { observe(o: (typeof observables)[number], v: number, a?: Attributes): void }): void => {
      r.observe(pending, s.pending());
      const p = s.pool();
      r.observe(open, p.open);
      r.observe(created, p.created);
      r.observe(evicted, p.evicted);
      r.observe(waiting, p.waiting);
      r.observe(openHosts, s.openHosts());
      for (const srv of s.servers()) {
        const a = { "rpc.service": srv.topic, "oslo_messaging.server": srv.server };
        r.observe(queued, srv.queued, a);
        r.observe(inFlight, srv.inFlight, a);
      }
      const mm = s.matchmaker();
      if (mm.lookups !== undefined) r.observe(lookups, mm.lookups);
      if (mm.available !== null) r.observe(available, mm.available ? 1 : 0);
    };
    m.addBatchObservableCallback(callback, observables);
    return () => m.removeBatchObservableCallback(callback, observables);
  }
}
