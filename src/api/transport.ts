/**
 * Transport: what getRpcTransport returns. It owns the ports of one process's view of the
 * cluster (socket factory, clock, randomness, matchmaker), the client engine shared by
 * every RpcClient on it, and the listeners of every RpcServer on it.
 *
 * Its public type is what an application uses: options, the parsed URL, pool metrics,
 * close(). The engine, the ports and listener attachment are private: the driver's own
 * code (RpcClient, RpcServer), tests and the simulator reach them through
 * transportInternals(), which src/internal.ts exports and src/index.ts does not.
 *
 * "zmq://" uses the process's in-process matchmaker (process-matchmaker.ts), or with
 * DriverOptions.ports the one of their clock; the simulator passes its own ports and
 * matchmaker, so two simulated nodes in one process never share hidden state.
 * "zmq+redis://" and "zmq+sentinel://" create a Redis matchmaker owned by the transport
 * (closed with it), and registrations then default to a 3 s TTL refreshed every second.
 */
import { INSPECT, redactOptions } from "../core/redact.js";
import { ClientEngine } from "../driver/client-engine.js";
import { ProxyRouting } from "../driver/proxy-sockets.js";
import type { PoolMetrics } from "../pool/socket-pool.js";
import { TransportClosed } from "../errors.js";
import { createRedisMatchmaker } from "../matchmaker/redis/factory.js";
import { DEFAULT_REDIS_REGISTRATION_TTL_MS } from "../matchmaker/redis/options.js";
import { resolveOptions, type DriverOptions, type ResolvedOptions } from "../options.js";
import type { Clock } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import type { Rng } from "../ports/rng.js";
import type { SocketFactory } from "../ports/socket.js";
import { CryptoRng } from "../runtime/node/crypto-rng.js";
import { curvePublicKeyOf } from "../runtime/node/curve-keys.js";

/** A fresh CURVE key pair for DriverOptions.curve (the real shell's, re-exported by src/index.ts). */
export { generateCurveKeyPair } from "../runtime/node/curve-keys.js";
import { NodeClock } from "../runtime/node/node-clock.js";
import { ZmqSocketFactory } from "../runtime/node/zmq-socket.js";
import { defaultInProcessMatchmaker, inProcessMatchmakerFor } from "./process-matchmaker.js";
import { parseTransportUrl, type MatchmakerSpec } from "./url.js";
import { Observer } from "../observability/observer.js";
import type { StatusListener } from "../observability/status-events.js";
import { serverStatus, type ServerProbe, type TransportStatus } from "./status.js";

export interface TransportDeps {
  sockets: SocketFactory;
  clock: Clock;
  rng: Rng;
  matchmaker: Matchmaker;
  /** Whether close() also closes the matchmaker (true when the transport created it). */
  ownsMatchmaker: boolean;
}

/** A server's or notification listener's socket shell (RpcListener), as the transport stops it at close. */
export interface AttachedListener {
  stop(): Promise<void>;
  wait(): Promise<void>;
}

/**
 * What the driver's own code reaches of a transport: RpcClient sends through the engine,
 * RpcServer builds its listener on the ports and attaches it; tests and the simulator read
 * the engine's counters and the matchmaker. Not part of the public type.
 */
export interface TransportInternals {
  readonly engine: ClientEngine;
  readonly deps: TransportDeps;
  /** Attaches a starting server's listener (stopped by close(), forgotten once stopped); throws TransportClosed after close(). */
  attach(listener: AttachedListener): void;
  /** Status events, log lines, spans and metric points of this transport (spec/observability.md). */
  readonly observer: Observer;
  /** Lists a started server in status() and the metrics until the returned function is called. */
  addServer(server: ServerProbe): () => void;
}

export class Transport {
  readonly options: ResolvedOptions;
  private readonly internals: TransportInternals;
  private readonly listeners = new Set<AttachedListener>();
  private readonly servers = new Set<ServerProbe>();
  private readonly stopObserving: (() => void)[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    deps: TransportDeps,
    options: ResolvedOptions,
    readonly matchmakerSpec: MatchmakerSpec,
    observability: Pick<DriverOptions, "logger" | "tracerProvider" | "meterProvider"> = {},
  ) {
    this.options = options;
    // Proxy routing mode (spec/proxy.md): the engine and the listeners get virtual sockets
    // over the proxies, and a matchmaker that knows published keys and subscriptions.
    if (options.routing === "proxy") {
      const routing = new ProxyRouting({ ...deps, options });
      deps = { ...deps, sockets: routing.sockets, matchmaker: routing.matchmaker };
    }
    const observer = new Observer({ clock: deps.clock, ...observability });
    const engine = new ClientEngine(deps.clock, deps.rng, deps.sockets, deps.matchmaker, options, observer);
    this.internals = {
      engine,
      deps,
      attach: (listener) => this.attach(listener),
      observer,
      addServer: (server) => {
        this.servers.add(server);
        return () => this.servers.delete(server);
      },
    };
    this.observe(observer, engine, deps.matchmaker);
  }

  // --- observability (spec/observability.md) ---------------------------------------------

  /** Adds a status listener; returns a function that removes it. */
  on(event: "status", listener: StatusListener): () => void {
    if (event !== "status")
      throw new TypeError(`Transport.on: unknown event ${JSON.stringify(event)}; known: "status"`);
    return this.internals.observer.events.add(listener);
  }

  /** Removes a status listener. */
  off(event: "status", listener: StatusListener): void {
    if (event === "status") this.internals.observer.events.remove(listener);
  }

  /** A copy of every counter of this transport now. */
  status(): TransportStatus {
    const { engine, deps } = this.internals;
    return {
      client: { ...engine.stats, pending: engine.pendingCount },
      pool: { ...engine.poolMetrics },
      breakers: engine.unhealthyHosts.map((host) => ({ host })),
      servers: [...this.servers].map(serverStatus),
      matchmaker: {
        available: deps.matchmaker.available === undefined ? null : deps.matchmaker.available(),
        describe: deps.matchmaker.describe,
      },
    };
  }

  private observe(observer: Observer, engine: ClientEngine, mm: Matchmaker): void {
    if (mm.onAvailability !== undefined) {
      let downAtMs = 0;
      const name = mm.describe ?? "matchmaker";
      this.stopObserving.push(
        mm.onAvailability((up, detail) => {
          const nowMs = this.internals.deps.clock.nowMs();
          if (up) observer.report({ type: "matchmaker-up", matchmaker: name, downMs: nowMs - downAtMs });
          else {
            downAtMs = nowMs;
            observer.report({ type: "matchmaker-down", matchmaker: name, error: detail });
          }
        }),
      );
    }
    if (!observer.metrics.enabled) return;
    const lookups = (mm as { stats?: { lookups?: unknown } }).stats?.lookups;
    this.stopObserving.push(
      observer.metrics.observe({
        pending: () => engine.pendingCount,
        pool: () => engine.poolMetrics,
        openHosts: () => engine.unhealthyHosts.length,
        servers: () =>
          [...this.servers].map((s) => ({
            topic: s.target.topic ?? "",
            server: s.target.server ?? "",
            queued: s.queued,
            inFlight: s.inFlight,
          })),
        matchmaker: () => ({
          available: mm.available === undefined ? null : mm.available(),
          lookups:
            typeof lookups === "number" ? ((mm as { stats?: { lookups?: number } }).stats?.lookups ?? 0) : undefined,
        }),
      }),
    );
  }

  /** Outbound socket pool counters: open, created, reused, evicted, recycled, queue depths (spec/pool.md). */
  get poolMetrics(): PoolMetrics {
    return this.internals.engine.poolMetrics;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** What JSON and util.inspect show: the parsed URL and the options, secrets masked (spec/security.md). */
  toJSON(): unknown {
    return redactOptions({ matchmaker: this.matchmakerSpec, options: this.options, closed: this.closed });
  }

  [INSPECT](): unknown {
    return this.toJSON();
  }

  /** Stops every server on this transport, rejects pending requests, closes all sockets. */
  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      const { engine, deps } = this.internals;
      // A server whose stop fails must not keep the rest of the transport open.
      await Promise.allSettled([...this.listeners].map((l) => l.stop()));
      engine.close();
      for (const stop of this.stopObserving.splice(0)) stop();
      deps.sockets.close();
      if (deps.ownsMatchmaker) await deps.matchmaker.close();
    })();
    return this.closing;
  }

  private attach(listener: AttachedListener): void {
    if (this.closed) throw new TransportClosed();
    this.listeners.add(listener);
    void listener.wait().then(() => this.listeners.delete(listener));
  }
}

/**
 * The engine, ports and listener attachment of `t`, for the driver's own code, tests and
 * the simulator (src/internal.ts exports this; src/index.ts does not).
 */
export function transportInternals(t: Transport): TransportInternals {
  // biome-ignore lint/complexity/useLiteralKeys: element access is how TypeScript lets a function of this module read a private member
  return t["internals"];
}

/** zeromq.js sockets, Node timers and crypto randomness: the real shell's ports (also the proxy process's). */
export function realPorts(): { sockets: SocketFactory; clock: Clock; rng: Rng } {
  return { sockets: new ZmqSocketFactory(), clock: new NodeClock(), rng: new CryptoRng() };
}

/** Creates a transport for RPC (oslo: get_rpc_transport). */
export async function getRpcTransport(url: string, options: DriverOptions = {}): Promise<Transport> {
  const spec = parseTransportUrl(url);
  const resolved = resolveOptions(
    options,
    spec.kind === "in-process" ? {} : { registrationTtlMs: DEFAULT_REDIS_REGISTRATION_TTL_MS },
  );
  // A mistyped pair would fail every handshake; it fails here instead, naming neither key.
  if (resolved.curve && curvePublicKeyOf(resolved.curve.secretKey) !== resolved.curve.publicKey)
    throw new RangeError(
      "DriverOptions.curve.publicKey is not the public key of DriverOptions.curve.secretKey " +
        "(make the pair together: generateCurveKeyPair() or `npm run keys`)",
    );
  // Proxies do not speak CURVE yet (spec/proxy.md, open questions): refused, never a
  // silent fall back to plaintext through the proxy.
  if (resolved.curve && resolved.routing === "proxy")
    throw new RangeError(
      'DriverOptions.curve cannot be combined with routing "proxy" yet: proxies do not speak CURVE (spec/proxy.md)',
    );
  const ports = options.ports ?? realPorts();
  let matchmaker = options.matchmaker;
  let owns = false;
  if (!matchmaker) {
    if (spec.kind === "in-process") {
      matchmaker = options.ports ? inProcessMatchmakerFor(options.ports.clock) : defaultInProcessMatchmaker();
    } else {
      matchmaker = await createRedisMatchmaker(spec, ports.clock, options.redisMatchmaker);
      owns = true;
    }
  }
  return new Transport({ ...ports, matchmaker, ownsMatchmaker: owns }, resolved, spec, {
    logger: options.logger,
    tracerProvider: options.tracerProvider,
    meterProvider: options.meterProvider,
  });
}
