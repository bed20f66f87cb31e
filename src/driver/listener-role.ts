/**
 * A listener's role (rpc-listener.ts): what it registers in the matchmaker once bound,
 * and which decoded requests it serves. An RpcServer's role is rpcRole; a notification
 * listener's is built in src/api/notification-listener.ts (its pools' keys, NOTIFY only).
 */
import { MessageType, type DecodedRequest, type DecodedRpcRequest } from "../core/codec.js";
import { listenKeys, type Target } from "../core/target.js";

/** One matchmaker registration: `entry` under `key` (an address, or a pool listing entry). */
export interface Registration {
  key: string;
  entry: string;
}

/** What a listener registers and which requests it serves. */
export interface ListenerRole<R extends DecodedRequest> {
  /** Names the listener in errors (its target as JSON). */
  readonly name: string;
  /** The registrations of a listener bound at `address`. */
  registrations(address: string): Registration[];
  /** Whether it serves `req`; a well-formed request it does not serve is counted as unsupported. */
  serves(req: DecodedRequest): req is R;
}

/** An RpcServer's role: registered under the target's topic and server keys; serves CALL, CAST, CAST_FANOUT. */
export function rpcRole(target: Target): ListenerRole<DecodedRpcRequest> {
  const keys = listenKeys(target);
  return {
    name: JSON.stringify(target),
    registrations: (address) => keys.map((key) => ({ key, entry: address })),
    serves: (req): req is DecodedRpcRequest => req.type !== MessageType.NOTIFY,
  };
}
