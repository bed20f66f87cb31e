/**
 * RpcServer (oslo get_rpc_server): endpoints behind a listener. Dispatch follows
 * core/dispatcher.ts; the endpoint's result or thrown error becomes the reply.
 */
import { checkEndpoints, Dispatcher, type AccessPolicy, type Endpoint } from "../core/dispatcher.js";
import { serializeRemoteError } from "../core/remote-error.js";
import type { Target } from "../core/target.js";
import { RpcListener, type ListenerStats, type RequestHandler } from "../driver/rpc-listener.js";
import { InvalidTarget } from "../errors.js";
import { noOpSerializer, type Serializer } from "./serializer.js";
import type { Transport } from "./transport.js";

export interface RpcServerOptions {
  /** Requests handled at once; more wait in arrival order (oslo: executor_thread_pool_size). @default 64 */
  maxConcurrency?: number;
  /** "default" forbids methods starting with "_"; "legacy" allows all; "explicit" only expose()d ones. @default "default" */
  accessPolicy?: AccessPolicy;
  /** @default noOpSerializer */
  serializer?: Serializer;
}

export interface RpcServer {
  start(): Promise<void>;
  /** Stops taking work, deregisters, finishes in-flight calls. */
  stop(): Promise<void>;
  /** Resolves after the server has stopped. */
  wait(): Promise<void>;
  readonly target: Target;
  /** Address peers reach this server at, once started. */
  readonly host: string | undefined;
  readonly stats: ListenerStats;
}

export function getRpcServer(transport: Transport, target: Target, endpoints: object[], options: RpcServerOptions = {}): RpcServer {
  if (!target.topic || !target.server) throw new InvalidTarget("A server's target must have topic and server names specified", target);
  checkEndpoints(endpoints);
  const dispatcher = new Dispatcher([...endpoints] as Endpoint[], options.accessPolicy ?? "default");
  const serializer = options.serializer ?? noOpSerializer;
  const handler: RequestHandler = async (req) => {
    const decision = dispatcher.dispatch(req.message);
    if (decision.kind === "reject") return { failure: serializeRemoteError(decision.error) };
    try {
      const ctx = serializer.deserializeContext(req.context);
      // The args object is this request's own (freshly parsed by the codec), so the no-op
      // serializer hands it over as it is. Otherwise fromEntries defines own properties,
      // so an argument named "__proto__" stays an argument.
      const args = serializer === noOpSerializer ? req.message.args : Object.fromEntries(Object.entries(req.message.args).map(([k, v]) => [k, serializer.deserializeEntity(ctx, v)]));
      const result = await decision.method.call(decision.endpoint, ctx, args);
      return { body: serializer.serializeEntity(ctx, result) };
    } catch (err) {
      return { failure: serializeRemoteError(err) };
    }
  };
  const listener = new RpcListener(
    { sockets: transport.deps.sockets, clock: transport.deps.clock, rng: transport.deps.rng, matchmaker: transport.deps.matchmaker, options: transport.options },
    { ...target },
    options.maxConcurrency ?? 64,
    handler,
  );
  return {
    target: { ...target },
    get host() {
      return listener.host;
    },
    stats: listener.stats,
    async start() {
      transport.attach(listener);
      await listener.start();
    },
    stop: () => listener.stop(),
    wait: () => listener.wait(),
  };
}
