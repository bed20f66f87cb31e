/**
 * Transport: what getRpcTransport returns. It owns the ports of one process's view of the
 * cluster (socket factory, clock, randomness, matchmaker), the client engine shared by
 * every RpcClient on it, and the listeners of every RpcServer on it.
 *
 * "zmq://" uses one in-process matchmaker per process, created here on first use: this is
 * the real shell's entry point, so the process-wide default lives here and nowhere in the
 * core. The simulator passes its own ports and matchmaker through DriverOptions, so two
 * simulated nodes in one process never share hidden state.
 * "zmq+redis://" and "zmq+sentinel://" create a Redis matchmaker owned by the transport
 * (closed with it), and registrations then default to a 3 s TTL refreshed every second.
 */
import { ClientEngine } from "../driver/client-engine.js";
import type { PoolMetrics } from "../pool/socket-pool.js";
import type { RpcListener } from "../driver/rpc-listener.js";
import { TransportClosed } from "../errors.js";
import { InProcessMatchmaker } from "../matchmaker/in-process.js";
import { createRedisMatchmaker } from "../matchmaker/redis/factory.js";
import { DEFAULT_REDIS_REGISTRATION_TTL_MS } from "../matchmaker/redis/options.js";
import { resolveOptions, type DriverOptions, type ResolvedOptions } from "../options.js";
import type { Clock } from "../ports/clock.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import type { Rng } from "../ports/rng.js";
import type { SocketFactory } from "../ports/socket.js";
import { CryptoRng } from "../runtime/node/crypto-rng.js";
import { NodeClock } from "../runtime/node/node-clock.js";
import { ZmqSocketFactory } from "../runtime/node/zmq-socket.js";
import { parseTransportUrl, type MatchmakerSpec } from "./url.js";

export interface TransportDeps {
  sockets: SocketFactory;
  clock: Clock;
  rng: Rng;
  matchmaker: Matchmaker;
  /** Whether close() also closes the matchmaker (true when the transport created it). */
  ownsMatchmaker: boolean;
}

export class Transport {
  readonly options: ResolvedOptions;
  readonly engine: ClientEngine;
  private readonly listeners = new Set<RpcListener>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    readonly deps: TransportDeps,
    options: ResolvedOptions,
    readonly matchmakerSpec: MatchmakerSpec,
  ) {
    this.options = options;
    this.engine = new ClientEngine(deps.clock, deps.rng, deps.sockets, deps.matchmaker, options);
  }

  /** Outbound socket pool counters: open, created, reused, evicted, recycled, queue depths (spec/pool.md). */
  get poolMetrics(): PoolMetrics {
    return this.engine.poolMetrics;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal Used by RpcServer. */
  attach(listener: RpcListener): void {
    if (this.closed) throw new TransportClosed();
    this.listeners.add(listener);
    void listener.wait().then(() => this.listeners.delete(listener));
  }

  /** Stops every server on this transport, rejects pending requests, closes all sockets. */
  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      // A server whose stop fails must not keep the rest of the transport open.
      await Promise.allSettled([...this.listeners].map((l) => l.stop()));
      this.engine.close();
      this.deps.sockets.close();
      if (this.deps.ownsMatchmaker) await this.deps.matchmaker.close();
    })();
    return this.closing;
  }
}

/** In-process matchmakers, one per clock: the process's real clock, or a simulation's. */
const matchmakersByClock = new WeakMap<Clock, InProcessMatchmaker>();
let processClock: NodeClock | undefined;

/** The in-process matchmaker shared by every "zmq://" transport of this process. */
export function defaultInProcessMatchmaker(): InProcessMatchmaker {
  processClock ??= new NodeClock();
  return inProcessMatchmakerFor(processClock);
}

/**
 * The in-process matchmaker for transports that run on `clock`: transports sharing a
 * (simulated) clock share one registry on that clock; they never see the process's
 * real-time registry, nor another simulation's.
 */
export function inProcessMatchmakerFor(clock: Clock): InProcessMatchmaker {
  let mm = matchmakersByClock.get(clock);
  if (!mm) {
    mm = new InProcessMatchmaker(clock);
    matchmakersByClock.set(clock, mm);
  }
  return mm;
}

/** Creates a transport for RPC (oslo: get_rpc_transport). */
export async function getRpcTransport(url: string, options: DriverOptions = {}): Promise<Transport> {
  const spec = parseTransportUrl(url);
  const resolved = resolveOptions(
    options,
    spec.kind === "in-process" ? {} : { registrationTtlMs: DEFAULT_REDIS_REGISTRATION_TTL_MS },
  );
  const ports = options.ports ?? { sockets: new ZmqSocketFactory(), clock: new NodeClock(), rng: new CryptoRng() };
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
  return new Transport({ ...ports, matchmaker, ownsMatchmaker: owns }, resolved, spec);
}
