/** Public API: everything a user of the driver needs, and nothing of its internals. */
export { getRpcTransport, Transport, generateCurveKeyPair } from "./api/transport.js";
export { RpcClient, type RpcClientOptions, type PrepareOptions } from "./api/rpc-client.js";
export { getRpcServer, type RpcServer, type RpcServerOptions } from "./api/rpc-server.js";
export { noOpSerializer, type Serializer } from "./api/serializer.js";
export { remainingMs } from "./api/deadline.js";
export {
  getNotificationTransport,
  Notifier,
  type NotifierOptions,
  type NotifierPrepareOptions,
  type NotifierStats,
} from "./api/notifier.js";
export {
  getNotificationListener,
  getBatchNotificationListener,
  type NotificationListener,
  type NotificationListenerOptions,
  type BatchNotificationListenerOptions,
  type NotificationListenerStats,
} from "./api/notification-listener.js";
export type { IncomingNotification } from "./api/notification-worker.js";
export { consoleLogger, type Logger } from "./api/logger.js";
export {
  NotificationFilter,
  type NotificationFilterSpec,
  type Pattern,
  type PayloadFilter,
} from "./core/notification-filter.js";
export { NotificationResult } from "./core/notify-dispatcher.js";
export { PRIORITIES, type Priority } from "./core/notify-message.js";
export type { Target } from "./core/target.js";
export { expose, type AccessPolicy, type EndpointMethod } from "./core/dispatcher.js";
export type { DriverOptions } from "./options.js";
export type { CurveOptions } from "./core/curve-options.js";
export type { CurveKeyPair } from "./ports/socket.js";
// Observability (spec/observability.md).
export type {
  ClientStats,
  ListenerStats,
  MatchmakerStatus,
  PoolMetrics,
  ServerStatus,
  TransportStatus,
} from "./api/status.js";
export type { StatusEvent, StatusEventType, StatusListener, FrameDropReason } from "./observability/status-events.js";
export { redactSecrets, type DriverLogger } from "./observability/log-hook.js";
export type { RemoteErrorClass } from "./core/remote-error.js";
export type { BalancingStrategy } from "./core/balancing/balancer.js";
export {
  MessagingError,
  MessagingTimeout,
  MessageDeliveryFailure,
  InvalidTarget,
  InvalidTransportURL,
  RemoteError,
  RPCVersionCapError,
  NoSuchMethod,
  UnsupportedVersion,
  MatchmakerUnavailable,
  TransportClosed,
  PayloadTooLarge,
  type MessagingErrorCode,
  type MatchmakerFailure,
} from "./errors.js";
export { redactOptions, redactUrl, Secret } from "./core/redact.js";
