/**
 * RpcServer (oslo get_rpc_server): endpoints behind a listener. Dispatch follows
 * core/dispatcher.ts; the endpoint's result or thrown error becomes the reply. A request
 * that carries its caller's deadline hands it to the endpoint with the context
 * (deadline.ts: remainingMs, and nested calls inherit it).
 */
import { checkEndpoints, Dispatcher, type AccessPolicy, type Endpoint } from "../core/dispatcher.js";
import { serializeRemoteError } from "../core/remote-error.js";
import { checkTarget, type Target } from "../core/target.js";
import { integerAtLeast, knownKeys, oneOf, optionsObject, typeError } from "../core/validate.js";
import {
  RpcListener,
  rpcRole,
  type HandlerResult,
  type ListenerStats,
  type RequestHandler,
} from "../driver/rpc-listener.js";
import { InvalidTarget } from "../errors.js";
import type { Logger } from "./logger.js";
import { attachDeadline } from "./deadline.js";
import { checkLogger, consoleLogger, safeWarn } from "./logger.js";
import { checkSerializer, noOpSerializer, type Serializer } from "./serializer.js";
import { Transport, transportInternals } from "./transport.js";
import { ServerTelemetry } from "./server-telemetry.js";

const OPTION_KEYS = ["maxConcurrency", "accessPolicy", "serializer", "logger"] as const;
const ACCESS_POLICIES = ["default", "legacy", "explicit"] as const satisfies readonly AccessPolicy[];

export interface RpcServerOptions {
  /** Requests handled at once; more wait in arrival order (oslo: executor_thread_pool_size). @default 64 */
  maxConcurrency?: number;
  /** "default" forbids methods starting with "_"; "legacy" allows all; "explicit" only expose()d ones. @default "default" */
  accessPolicy?: AccessPolicy;
  /** @default noOpSerializer */
  serializer?: Serializer;
  /** Where refused handshakes are logged, once per client key or cause (spec/security.md). @default consoleLogger */
  logger?: Logger;
}

export interface RpcServer {
  start(): Promise<void>;
  /** Stops taking work, deregisters, finishes in-flight calls. */
  stop(): Promise<void>;
  /** Resolves after the server has stopped. */
  wait(): Promise<void>;
  readonly target: Target;
  /** Address peers reach this server at, once started; with CURVE its public key follows (`#curve=<hex>`, decision 0021). */
  readonly host: string | undefined;
  readonly stats: ListenerStats;
}

export function getRpcServer(
  transport: Transport,
  target: Target,
  endpoints: readonly object[],
  options: RpcServerOptions = {},
): RpcServer {
  if (!(transport instanceof Transport))
    throw typeError("getRpcServer: transport", "a Transport (from getRpcTransport)", transport);
  checkTarget("getRpcServer: target", target);
  if (!target.topic || !target.server)
    throw new InvalidTarget("A server's target must have topic and server names specified", target);
  checkEndpoints(endpoints);
  const o = optionsObject("getRpcServer: options", options);
  knownKeys("getRpcServer: options", o, OPTION_KEYS);
  const maxConcurrency =
    options.maxConcurrency === undefined
      ? 64
      : integerAtLeast("getRpcServer: options.maxConcurrency", options.maxConcurrency, 1);
  const accessPolicy =
    options.accessPolicy === undefined
      ? "default"
      : oneOf("getRpcServer: options.accessPolicy", options.accessPolicy, ACCESS_POLICIES);
  if (options.serializer !== undefined) checkSerializer("getRpcServer: options.serializer", options.serializer);
  const logger =
    options.logger === undefined ? consoleLogger : checkLogger("getRpcServer: options.logger", options.logger);
  const dispatcher = new Dispatcher([...endpoints] as Endpoint[], accessPolicy);
  const serializer = options.serializer ?? noOpSerializer;
  const { sockets, clock, rng, matchmaker } = transportInternals(transport).deps;
  // Not an async function: an endpoint's promise is chained once, and a plain value or
  // a throw settles without waiting for one more microtask turn.
  const handler: RequestHandler = (req) => {
    const decision = dispatcher.dispatch(req.message);
    if (decision.kind === "reject") return Promise.resolve({ failure: serializeRemoteError(decision.error) });
    let ctx: Record<string, unknown>;
    let result: unknown;
    try {
      ctx = serializer.deserializeContext(req.context);
      if (req.deadline !== undefined) attachDeadline(ctx, req.deadline, clock);
      // The args object is this request's own (freshly parsed by the codec), so the no-op
      // serializer hands it over as it is. Otherwise fromEntries defines own properties,
      // so an argument named "__proto__" stays an argument.
      const args =
        serializer === noOpSerializer
          ? req.message.args
          : Object.fromEntries(
              Object.entries(req.message.args).map(([k, v]) => [k, serializer.deserializeEntity(ctx, v)]),
            );
      result = decision.method.call(decision.endpoint, ctx, args);
    } catch (err) {
      return Promise.resolve({ failure: serializeRemoteError(err) });
    }
    const done = (value: unknown): HandlerResult => {
      try {
        return { body: serializer.serializeEntity(ctx, value) };
      } catch (err) {
        return { failure: serializeRemoteError(err) };
      }
    };
    const failed = (err: unknown): HandlerResult => ({ failure: serializeRemoteError(err) });
    return isThenable(result) ? Promise.resolve(result).then(done, failed) : Promise.resolve(done(result));
  };
  // Spans, metrics, status events and published stats (spec/observability.md).
  const { observer, addServer } = transportInternals(transport);
  const telemetry = new ServerTelemetry(
    { observer, clock, matchmaker, publishIntervalMs: transport.options.statsPublishIntervalMs },
    target,
  );
  const listener = new RpcListener(
    {
      sockets,
      clock,
      rng,
      matchmaker,
      options: transport.options,
      warn: (message, details) => safeWarn(logger, message, details),
      observer,
    },
    rpcRole({ ...target }),
    maxConcurrency,
    telemetry.wrap(handler),
  );
  return {
    target: { ...target },
    get host() {
      return listener.host;
    },
    stats: listener.stats,
    async start() {
      transportInternals(transport).attach(listener);
      await listener.start();
      telemetry.started(
        {
          target,
          get host() {
            return listener.host;
          },
          get inFlight() {
            return listener.inFlight;
          },
          get queued() {
            return listener.queued;
          },
          stats: listener.stats,
        },
        addServer,
      );
      void listener.wait().then(() => telemetry.stopped());
    },
    stop: () => listener.stop(),
    wait: () => listener.wait(),
  };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === "object" || typeof v === "function") &&
    v !== null &&
    typeof (v as { then?: unknown }).then === "function"
  );
}
