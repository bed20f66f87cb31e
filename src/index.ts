/** Public API: everything a user of the driver needs, and nothing of its internals. */
export { getRpcTransport, Transport } from "./api/transport.js";
export { RpcClient, type RpcClientOptions, type PrepareOptions } from "./api/rpc-client.js";
export { getRpcServer, type RpcServer, type RpcServerOptions } from "./api/rpc-server.js";
export { noOpSerializer, type Serializer } from "./api/serializer.js";
export { remainingMs } from "./api/deadline.js";
export type { Target } from "./core/target.js";
export { expose, type AccessPolicy, type EndpointMethod } from "./core/dispatcher.js";
export type { DriverOptions } from "./options.js";
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
} from "./errors.js";
