/** Internal barrel for tests, the simulator and benchmarks. Not a stable API. */
export * from "./index.js";
export * from "./core/batch-frames.js";
export * from "./core/out-frames.js";
export * from "./core/codec.js";
export * from "./core/dedup-cache.js";
export * from "./core/dispatcher.js";
export * from "./core/min-heap.js";
export * from "./core/remote-error.js";
export * from "./core/oslo-exceptions.js";
export * from "./core/balancing/balancer.js";
export * from "./core/balancing/balancing.js";
export * from "./core/balancing/host-load.js";
export * from "./core/balancing/latency.js";
export * from "./core/balancing/least-in-flight.js";
export * from "./core/balancing/random.js";
export * from "./core/balancing/round-robin.js";
export * from "./core/server-lifecycle.js";
export * from "./core/target.js";
export * from "./core/ttl-registry.js";
export * from "./core/version.js";
export * from "./core/work-gate.js";
export * from "./core/validate.js";
export * from "./core/json-check.js";
export * from "./core/curve-key.js";
export * from "./core/curve-options.js";
export * from "./core/host-entry.js";
export * from "./core/delivery-core.js";
export { HostHealth, HEALTH_TRANSITIONS, type BreakerOptions, type HealthState } from "./core/host-health.js";
export * from "./core/delivery-errors.js";
export {
  DeliveryRequest,
  zeroClientStats,
  type DeliveryEffects,
  type RequestKind,
  type SendFailure,
} from "./core/delivery-request.js";
export * from "./core/delivery-timeline.js";
export * from "./core/fanout-progress.js";
export * from "./core/host-waits.js";
export * from "./core/request-book.js";
export * from "./core/request-states.js";
export * from "./core/send-rounds.js";
export * from "./core/wire-context.js";
export * from "./core/notify-message.js";
export * from "./core/notify-dispatcher.js";
export * from "./core/notification-filter.js";
export * from "./core/batch-collector.js";
export * from "./core/redact.js";
export { NotificationWorker, type Source, type NotificationWorkerStats } from "./api/notification-worker.js";
export * from "./ports/clock.js";
export * from "./ports/matchmaker.js";
export * from "./ports/rng.js";
export * from "./ports/socket.js";
export * from "./ports/wake-timer.js";
export * from "./options.js";
export * from "./api/url.js";
export { transportInternals, type TransportDeps, type TransportInternals } from "./api/transport.js";
export { defaultInProcessMatchmaker, inProcessMatchmakerFor } from "./api/process-matchmaker.js";
export { InProcessMatchmaker } from "./matchmaker/in-process.js";
export * from "./matchmaker/redis/index.js";
export { ClientEngine, type SendRequest, type NotifyRequest, type ClientStats } from "./driver/client-engine.js";
export { RpcListener } from "./driver/rpc-listener.js";
export { RequestIntake, DEDUP_MARGIN_MS } from "./driver/request-intake.js";
export { attachDeadline, contextDeadline } from "./api/deadline.js";
export { coalescingOf, SendQueue, type Coalescing } from "./pool/send-queue.js";
export { SocketPool, type Lease, type PoolMetrics, type SocketPoolDeps } from "./pool/socket-pool.js";
export { PoolCore } from "./pool/pool-core.js";
export { validateLimits, type PoolLimits } from "./pool/pool-limits.js";
export * from "./pool/pool-types.js";
export * from "./pool/slot-states.js";
export { SocketPoolError } from "./pool/pool-error.js";
export { HostSets } from "./pool/host-sets.js";
export { HostSync } from "./pool/host-sync.js";
export { DeliveryShell, type DeliveryShellDeps } from "./driver/delivery-shell.js";
export { Outbound, sendFailureOf } from "./driver/outbound.js";
export { ZmqSocketFactory } from "./runtime/node/zmq-socket.js";
export { NodeClock } from "./runtime/node/node-clock.js";
export { CryptoRng } from "./runtime/node/crypto-rng.js";
// Proxy routing mode (spec/proxy.md).
export * from "./core/proxy-frames.js";
export * from "./core/proxy-forwarding.js";
export * from "./core/proxy-hops.js";
export { ProxyShell, type ProxyShellConfig, type ProxyShellDeps } from "./driver/proxy-shell.js";
export { ProxyRouting } from "./driver/proxy-sockets.js";
export { curvePublicKeyOf } from "./runtime/node/curve-keys.js";
export { ZapHandler, ZAP_ENDPOINT } from "./runtime/node/zap-handler.js";
