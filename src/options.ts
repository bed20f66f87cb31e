/**
 * Driver options: one interface, every field documented with its default and the oslo
 * option it corresponds to, units last in the name. Validated once by resolveOptions.
 */
import { BALANCING_STRATEGIES, DEFAULT_BALANCING, type BalancingStrategy } from "./core/balancing/balancer.js";
import type { RemoteErrorClass } from "./core/remote-error.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./core/codec.js";
import { CURVE_OPTION_KEYS, resolveCurve, type CurveOptions, type ResolvedCurve } from "./core/curve-options.js";
import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import { checkDriverLogger, type DriverLogger } from "./observability/log-hook.js";
import type { Clock } from "./ports/clock.js";
import type { Matchmaker } from "./ports/matchmaker.js";
import type { Rng } from "./ports/rng.js";
import type { SocketFactory } from "./ports/socket.js";
import { resolveRedisMatchmakerOptions, type RedisMatchmakerOptions } from "./matchmaker/redis/options.js";
import { validateLimits, type PoolLimits } from "./pool/pool-limits.js";
import { hideSecrets } from "./core/redact.js";
import {
  boolean,
  finiteAtLeast,
  finitePositive,
  integerAtLeast,
  knownKeys,
  oneOf,
  optionsObject,
  rangeError,
  string,
  typeError,
  withMethods,
} from "./core/validate.js";

/**
 * Outbound socket pool (spec/pool.md). The final oslo driver had no equivalent: it never
 * capped, evicted or closed cached client sockets (the legacy driver pooled clients per
 * address, rpc_conn_pool_size = 30, without idle eviction).
 */
export interface PoolOptions {
  /**
   * Most outbound sockets open at once, draining ones included; when full, the least
   * recently used idle socket is closed, and callers wait (until their deadline) when none
   * is idle. Each pooled socket costs 4 file descriptors in this process (zeromq mailbox,
   * TCP connection, and the monitor pair that reports handshake errors) plus one at the
   * peer (measured, zeromq.js 6.8), so 128 sockets take 512, half the usual 1024 limit.
   * @default 128
   */
  maxSockets?: number;
  /**
   * An unused socket is closed this long after its last request finished. Longer than
   * typical gaps between calls to one peer (reconnecting costs a TCP and ZMTP handshake);
   * equal to the default call timeout. @default 60000
   */
  idleTimeoutMs?: number;
  /** Consecutive send failures or handshake errors after which a socket is replaced by a fresh one. @default 3 */
  recycleAfterFailures?: number;
  /**
   * Requests in flight on one peer's socket (sent or queued, awaiting their reply or send);
   * more wait until their deadline. Matches the default sendHighWaterMark. @default 1000
   */
  maxInFlightPerPeer?: number;
  /** Requests waiting for a socket at once; beyond it a request fails at once (SocketPoolError "exhausted"). @default 1000 */
  maxWaiters?: number;
}

/**
 * A circuit breaker per host (spec/delivery.md, "Host health"): a host that fails keeps
 * getting no calls or casts until a cool-down passed, then one probe; hard failures (a
 * dropped connection, missed heartbeats, no ACK after the resends) open it at once.
 */
export interface CircuitBreakerOptions {
  /** Soft failures in a row (failed sends, ACK timeouts, calls timed out on the host) that open it; 0: only hard failures. @default 5 */
  failureThreshold?: number;
  /** The soft failures must fall within this span. @default 10000 */
  windowMs?: number;
  /** An open host gets no traffic this long, then one probe; doubled after each failed probe. @default 1000 */
  coolDownMs?: number;
  /** The longest cool-down. @default 30000 */
  maxCoolDownMs?: number;
}

/** DriverOptions.routing (spec/proxy.md). */
export const ROUTING_MODES = ["direct", "proxy"] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

export interface DriverOptions {
  /** Interface servers bind to (oslo: rpc_zmq_bind_address). @default "127.0.0.1" */
  bindAddress?: string;
  /** Host name peers use to reach this process's servers (oslo: rpc_zmq_host). @default bindAddress */
  advertiseHost?: string;
  /** Default time a call waits for a reply, or a cast for a receiver (oslo: rpc_response_timeout, 60 s). @default 60000 */
  rpcResponseTimeoutMs?: number;
  /**
   * TTL of a server's matchmaker registration; null registers without expiry (oslo: zmq_target_expire).
   * @default null for zmq:// (in-process); 3000 for zmq+redis:// and zmq+sentinel://, so a crashed server leaves within 3 s
   */
  registrationTtlMs?: number | null;
  /** How often a server refreshes a TTL registration (oslo: zmq_target_update). @default registrationTtlMs / 3 (1000 for Redis URLs) */
  registrationRefreshMs?: number;
  /** How often a sender with no known host asks the matchmaker again when it cannot watch it. @default 100 */
  hostWaitIntervalMs?: number;
  /** Messages waiting per socket before sends are refused (back-pressure). @default 1000 */
  maxQueuedSends?: number;
  /**
   * Message coalescing (decision 0027; spec/codec.md, "Batches"): the most messages one
   * socket send carries when several wait behind the send in flight. A message sent on an
   * idle socket leaves alone and at once; those that queued up meanwhile leave as one batch
   * envelope to a server that reads batches (its matchmaker entry says `#wire=2`), and a
   * server's replies and ACKs to a client whose requests came in batches leave the same
   * way. 1: one message per send, always. Proxy links never coalesce. @default 64
   */
  coalesceMaxMessages?: number;
  /** The most type, id and payload bytes one batch carries; a message over it leaves alone. @default 262144 (256 KiB) */
  coalesceMaxBytes?: number;
  /** ZMQ_SNDHWM of every socket (oslo had no option: its sockets used 0, unlimited; here bounded). @default 1000 */
  sendHighWaterMark?: number;
  /** ZMQ_SNDTIMEO of client sockets: longest a single send waits for a connection. @default 1000 */
  sendTimeoutMs?: number;
  /** ZMQ_LINGER on close (oslo: zmq_linger, -1 = forever; here always finite). @default 1000 */
  lingerMs?: number;
  /**
   * Time a stopping server keeps its socket open after its last reply was sent. Client
   * DEALERs use ZMQ_IMMEDIATE, and libzmq drops replies a DEALER has received but not yet
   * read when an IMMEDIATE connection closes; the grace period lets clients read them.
   * @default 100
   */
  stopGraceMs?: number;
  /**
   * Requests a server keeps waiting for a free slot (beyond maxConcurrency) before it stops
   * reading its socket; further requests then wait in libzmq's buffers (ZMQ_RCVHWM) and,
   * beyond those, clients' sends time out and fail over to other servers.
   * @default 1000
   */
  maxQueuedRequests?: number;
  /** Largest payload accepted from a peer; larger frames are dropped and counted. @default 64 MiB */
  maxPayloadBytes?: number;
  /**
   * Largest frame any socket of the transport reads (ZMQ_MAXMSGSIZE). libzmq closes a
   * connection whose peer announces a longer frame before allocating it; without a bound,
   * a peer that can reach a port makes the process allocate any size it names. Above
   * maxPayloadBytes on purpose: a payload between the two is still read, refused and, for
   * a call, answered with PayloadTooLarge. `null`: no bound (libzmq's default).
   * @default max(2 × maxPayloadBytes, maxPayloadBytes + 1 MiB)
   */
  maxFrameBytes?: number | null;
  /**
   * Message ids a server remembers at most, so that a duplicate never runs twice. An id
   * lives until its request's deadline plus a second; beyond this count the oldest are
   * forgotten first (stats.dedupEvicted). 100,000 ids cost about 11 MB (measured on Node
   * 20: 64 bytes an id in the cache, plus the id string) and cover 60 s deadlines at about
   * 1,600 requests a second (oslo: rpc_message_ttl, 300 s, unbounded).
   * @default 100000
   */
  dedupMaxEntries?: number;
  /**
   * Bytes of encoded replies a server keeps, summed, to answer a duplicate of a finished
   * call without running it again; beyond it the oldest kept replies are let go first
   * (their ids are still remembered). A duplicate needs a lost reply or ACK and a resend,
   * so recent replies matter most. @default 16 MiB
   */
  dedupMaxReplyBytes?: number;
  /**
   * Acknowledged delivery (oslo: rpc_use_acks; spec/delivery.md, "Acknowledged delivery").
   * Requests ask servers for an ACK on receipt; a call or cast with no ACK in time is sent
   * again to the same host (servers never run a duplicate), a cast resolves only when
   * acknowledged, and a host that stays silent, drops its connection or leaves the
   * matchmaker is believed dead: an idempotent request (RpcClientOptions.idempotent) moves
   * to another server, any other fails with MessageDeliveryFailure naming the host.
   * @default false
   */
  acks?: boolean;
  /**
   * With acks: the first copy's wait for its ACK; each resend to the same host doubles it
   * (oslo: rpc_ack_timeout_base, 15 s, and rpc_ack_timeout_multiplier, 2). An ACK needs one
   * round trip and no handler time, so a second covers a busy server on a busy network.
   * @default 1000
   */
  ackTimeoutMs?: number;
  /**
   * With acks: resends to one host without an ACK before it is believed dead (oslo:
   * rpc_retry_attempts, 3, for the whole request). With the defaults a silent host is
   * given up after 1 + 2 + 4 = 7 s. @default 2
   */
  ackResendsPerHost?: number;
  /**
   * ZMTP heartbeats (ZMQ_HEARTBEAT_IVL) on every pooled client connection and every
   * server socket: a PING this often; 0 turns them off. libzmq's I/O thread answers them,
   * so a long-running handler never looks dead; a stopped process, a dead VM or a cut
   * link does (oslo: none; its heartbeat work was never finished). @default 1000
   */
  heartbeatIntervalMs?: number;
  /**
   * A connection whose peer sent nothing for this long after a PING is closed: a client
   * then believes the host dead (it leaves routing at once, its pending requests follow the
   * failover rule, spec/delivery.md) and reconnects; a server frees the client's pipe.
   * Also sent to the peer as ZMQ_HEARTBEAT_TTL. @default 3000
   */
  heartbeatTimeoutMs?: number;
  /** Each host's circuit breaker in the client (spec/delivery.md, "Host health"). */
  circuitBreaker?: CircuitBreakerOptions;
  /**
   * How a call or cast picks its server among the topic's live hosts (spec/balancing.md;
   * fanouts go to all). "round-robin": the next host per topic, fair and in order (oslo's
   * only strategy). "random": uniformly at random. "least-in-flight": a host with the fewest
   * of this client's requests in flight, ties at random. "latency": two hosts drawn at
   * random, the one whose replies to this client came faster lately (an EWMA of reply
   * times; power of two choices, so the fastest host is not flooded). Every strategy picks
   * among the same candidates: hosts not believed dead, not failed this round, not open in
   * their circuit breaker.
   * @default "round-robin"
   */
  balancing?: BalancingStrategy;
  /**
   * How clients and servers reach each other (spec/proxy.md). "direct": every client
   * connects to every server it sends to (N×M connections). "proxy": clients and servers
   * connect only to the proxies the matchmaker lists (`npm run proxy`), N×P + M×P
   * connections; requests and replies both go through a proxy, fanouts through a proxy's
   * exact-key publisher; a message whose proxy fails is sent again through another one.
   * Run it with acks: a proxy hop can lose a message. @default "direct"
   */
  routing?: RoutingMode;
  /** Error classes re-created from remote failures, by class name (oslo: allowed_remote_exmods). @default {} */
  remoteErrors?: Record<string, RemoteErrorClass>;
  /** Outbound socket pool limits. */
  pool?: PoolOptions;
  /** Redis matchmaker settings for zmq+redis:// and zmq+sentinel:// URLs (oslo: [matchmaker_redis]; src/matchmaker/redis/options.ts). */
  redisMatchmaker?: RedisMatchmakerOptions;
  /** CURVE encryption and authentication of every server and client of the transport (spec/security.md). @default unset (plaintext) */
  curve?: CurveOptions;
  /** Matchmaker to use instead of the one the URL names (tests, simulator). */
  matchmaker?: Matchmaker;
  /** Ports to use instead of zeromq.js, Node timers and crypto randomness (simulator). */
  ports?: { sockets: SocketFactory; clock: Clock; rng: Rng };
  // --- observability (spec/observability.md) ---
  /**
   * Where the driver logs its status events: any object with debug/info/warn/error called
   * as (obj, msg), pino's shape (console works). Rate-limited per peer and reason, secrets
   * redacted. @default none: silent
   */
  logger?: DriverLogger;
  /** Where spans go. @default the global tracer provider (a no-op until an SDK registers one) */
  tracerProvider?: TracerProvider;
  /** Where metric points go; the global one is read once, when the transport is created. @default the global meter provider */
  meterProvider?: MeterProvider;
  /** How often each server publishes its stats to a Redis matchmaker for `npm run top`; 0: never. @default 0 */
  statsPublishIntervalMs?: number;
}

export type ResolvedOptions = Required<
  Omit<
    DriverOptions,
    | "matchmaker"
    | "ports"
    | "advertiseHost"
    | "registrationRefreshMs"
    | "pool"
    | "redisMatchmaker"
    | "circuitBreaker"
    | "curve"
    | "logger"
    | "tracerProvider"
    | "meterProvider"
  >
> & {
  /** DriverOptions.curve checked, or null (plaintext); its secretKey is not enumerable. */
  curve: ResolvedCurve | null;
  advertiseHost: string;
  registrationRefreshMs: number;
  pool: PoolLimits;
  circuitBreaker: Required<CircuitBreakerOptions>;
};

export const DRIVER_OPTION_KEYS = [
  "bindAddress",
  "advertiseHost",
  "rpcResponseTimeoutMs",
  "registrationTtlMs",
  "registrationRefreshMs",
  "hostWaitIntervalMs",
  "maxQueuedSends",
  "coalesceMaxMessages",
  "coalesceMaxBytes",
  "sendHighWaterMark",
  "sendTimeoutMs",
  "lingerMs",
  "stopGraceMs",
  "maxQueuedRequests",
  "maxPayloadBytes",
  "maxFrameBytes",
  "dedupMaxEntries",
  "dedupMaxReplyBytes",
  "acks",
  "ackTimeoutMs",
  "ackResendsPerHost",
  "heartbeatIntervalMs",
  "heartbeatTimeoutMs",
  "circuitBreaker",
  "balancing",
  "routing",
  "remoteErrors",
  "pool",
  "redisMatchmaker",
  "curve",
  "matchmaker",
  "ports",
  "logger",
  "tracerProvider",
  "meterProvider",
  "statsPublishIntervalMs",
] as const satisfies readonly (keyof DriverOptions)[];

const BREAKER_OPTION_KEYS = [
  "failureThreshold",
  "windowMs",
  "coolDownMs",
  "maxCoolDownMs",
] as const satisfies readonly (keyof CircuitBreakerOptions)[];

const POOL_OPTION_KEYS = [
  "maxSockets",
  "idleTimeoutMs",
  "recycleAfterFailures",
  "maxInFlightPerPeer",
  "maxWaiters",
] as const satisfies readonly (keyof PoolOptions)[];

/** The option objects whose fields are documented one by one (spec/transport.md); redisMatchmaker has its own spec. */
export const NESTED_OPTION_KEYS = {
  pool: POOL_OPTION_KEYS,
  circuitBreaker: BREAKER_OPTION_KEYS,
  curve: CURVE_OPTION_KEYS,
} as const;

/** The methods a matchmaker must have to be used (src/ports/matchmaker.ts). */
const MATCHMAKER_METHODS = ["register", "unregister", "getHosts", "close"] as const;

/**
 * Checks every field of `o` (types, ranges, unknown keys: src/core/validate.ts) and fills in
 * the defaults. `backendDefaults`: defaults that depend on the matchmaker the URL names
 * (api/transport.ts).
 */
export function resolveOptions(
  options: DriverOptions = {},
  backendDefaults: { registrationTtlMs?: number | null } = {},
): ResolvedOptions {
  const o = optionsObject("DriverOptions", options) as DriverOptions;
  knownKeys("DriverOptions", o as Record<string, unknown>, DRIVER_OPTION_KEYS);
  const opt = <T>(name: keyof DriverOptions, fallback: T, check: (what: string, v: unknown) => T): T =>
    o[name] === undefined ? fallback : check(`DriverOptions.${name}`, o[name]);
  const bindAddress = opt("bindAddress", "127.0.0.1", (w, v) => string(w, v, { nonEmpty: true }));
  const ttl =
    o.registrationTtlMs === undefined
      ? (backendDefaults.registrationTtlMs ?? null)
      : o.registrationTtlMs === null
        ? null
        : finitePositive("DriverOptions.registrationTtlMs", o.registrationTtlMs);
  const refreshDefault = ttl === null ? 1000 : Math.max(1, Math.floor(ttl / 3));
  if (o.remoteErrors !== undefined) remoteErrorClasses(o.remoteErrors);
  if (o.redisMatchmaker !== undefined) resolveRedisMatchmakerOptions(o.redisMatchmaker); // checked for every URL
  if (o.matchmaker !== undefined) withMethods("DriverOptions.matchmaker", o.matchmaker, MATCHMAKER_METHODS);
  if (o.ports !== undefined) checkPorts(o.ports);
  if (o.logger !== undefined) checkDriverLogger("DriverOptions.logger", o.logger);
  if (o.tracerProvider !== undefined) withMethods("DriverOptions.tracerProvider", o.tracerProvider, ["getTracer"]);
  if (o.meterProvider !== undefined) withMethods("DriverOptions.meterProvider", o.meterProvider, ["getMeter"]);
  // Printed or serialised, the resolved options show secret fields as *** (core/redact.ts).
  const maxPayloadBytes = opt("maxPayloadBytes", DEFAULT_MAX_PAYLOAD_BYTES, (w, v) => integerAtLeast(w, v, 1));
  return hideSecrets({
    bindAddress,
    advertiseHost: opt(
      "advertiseHost",
      bindAddress === "0.0.0.0" || bindAddress === "*" ? "127.0.0.1" : bindAddress,
      (w, v) => string(w, v, { nonEmpty: true }),
    ),
    rpcResponseTimeoutMs: opt("rpcResponseTimeoutMs", 60_000, (w, v) => finiteAtLeast(w, v, 0)),
    registrationTtlMs: ttl,
    registrationRefreshMs: opt("registrationRefreshMs", refreshDefault, finitePositive),
    hostWaitIntervalMs: opt("hostWaitIntervalMs", 100, finitePositive),
    maxQueuedSends: opt("maxQueuedSends", 1000, (w, v) => integerAtLeast(w, v, 1)),
    coalesceMaxMessages: opt("coalesceMaxMessages", 64, (w, v) => integerAtLeast(w, v, 1)),
    coalesceMaxBytes: opt("coalesceMaxBytes", 256 * 1024, (w, v) => integerAtLeast(w, v, 1)),
    sendHighWaterMark: opt("sendHighWaterMark", 1000, (w, v) => integerAtLeast(w, v, 1)),
    sendTimeoutMs: opt("sendTimeoutMs", 1000, finitePositive),
    lingerMs: opt("lingerMs", 1000, (w, v) => finiteAtLeast(w, v, 0)),
    stopGraceMs: opt("stopGraceMs", 100, (w, v) => finiteAtLeast(w, v, 0)),
    maxQueuedRequests: opt("maxQueuedRequests", 1000, (w, v) => integerAtLeast(w, v, 1)),
    maxPayloadBytes,
    maxFrameBytes: resolveMaxFrameBytes(o.maxFrameBytes, maxPayloadBytes),
    dedupMaxEntries: opt("dedupMaxEntries", 100_000, (w, v) => integerAtLeast(w, v, 1)),
    dedupMaxReplyBytes: opt("dedupMaxReplyBytes", 16 * 1024 * 1024, (w, v) => integerAtLeast(w, v, 0)),
    acks: opt("acks", false, boolean),
    ackTimeoutMs: opt("ackTimeoutMs", 1000, finitePositive),
    ackResendsPerHost: opt("ackResendsPerHost", 2, (w, v) => integerAtLeast(w, v, 0)),
    heartbeatIntervalMs: opt("heartbeatIntervalMs", 1000, (w, v) => integerAtLeast(w, v, 0)),
    heartbeatTimeoutMs: opt("heartbeatTimeoutMs", 3000, (w, v) => integerAtLeast(w, v, 1)),
    circuitBreaker: resolveBreaker(o.circuitBreaker),
    balancing: opt("balancing", DEFAULT_BALANCING, (w, v) => oneOf(w, v, BALANCING_STRATEGIES)),
    routing: opt("routing", "direct", (w, v) => oneOf(w, v, ROUTING_MODES)),
    remoteErrors: o.remoteErrors ?? {},
    pool: resolvePool(o.pool),
    curve: resolveCurve(o.curve),
    statsPublishIntervalMs: opt("statsPublishIntervalMs", 0, (w, v) => finiteAtLeast(w, v, 0)),
  });
}

/** The default frame bound leaves room above the payload bound for a PayloadTooLarge answer. */
function resolveMaxFrameBytes(v: unknown, maxPayloadBytes: number): number | null {
  if (v === undefined) return Math.max(2 * maxPayloadBytes, maxPayloadBytes + 1024 * 1024);
  if (v === null) return null;
  // A frame bound below the payload bound would close connections that carry valid payloads.
  return integerAtLeast("DriverOptions.maxFrameBytes", v, maxPayloadBytes);
}

function resolvePool(pool: PoolOptions | undefined): PoolLimits {
  const p = pool === undefined ? {} : (optionsObject("DriverOptions.pool", pool) as PoolOptions);
  knownKeys("DriverOptions.pool", p as Record<string, unknown>, POOL_OPTION_KEYS);
  return validateLimits({
    maxSockets: p.maxSockets ?? 128,
    idleTimeoutMs: p.idleTimeoutMs ?? 60_000,
    recycleAfterFailures: p.recycleAfterFailures ?? 3,
    maxInFlightPerPeer: p.maxInFlightPerPeer ?? 1000,
    maxWaiters: p.maxWaiters ?? 1000,
  });
}

function resolveBreaker(v: CircuitBreakerOptions | undefined): Required<CircuitBreakerOptions> {
  const b = v === undefined ? {} : (optionsObject("DriverOptions.circuitBreaker", v) as CircuitBreakerOptions);
  knownKeys("DriverOptions.circuitBreaker", b as Record<string, unknown>, BREAKER_OPTION_KEYS);
  const w = (k: keyof CircuitBreakerOptions) => `DriverOptions.circuitBreaker.${k}`;
  const coolDownMs = b.coolDownMs === undefined ? 1000 : finitePositive(w("coolDownMs"), b.coolDownMs);
  const maxCoolDownMs = b.maxCoolDownMs === undefined ? 30_000 : finitePositive(w("maxCoolDownMs"), b.maxCoolDownMs);
  if (maxCoolDownMs < coolDownMs)
    throw rangeError(w("maxCoolDownMs"), `at least coolDownMs (${coolDownMs})`, maxCoolDownMs);
  return {
    failureThreshold:
      b.failureThreshold === undefined ? 5 : integerAtLeast(w("failureThreshold"), b.failureThreshold, 0),
    windowMs: b.windowMs === undefined ? 10_000 : finitePositive(w("windowMs"), b.windowMs),
    coolDownMs,
    maxCoolDownMs,
  };
}

function remoteErrorClasses(v: unknown): void {
  const table = optionsObject("DriverOptions.remoteErrors", v);
  for (const [name, cls] of Object.entries(table)) {
    if (typeof cls !== "function") throw typeError(`DriverOptions.remoteErrors.${name}`, "an error class", cls);
  }
}

function checkPorts(v: unknown): void {
  const ports = optionsObject("DriverOptions.ports", v);
  withMethods("DriverOptions.ports.sockets", ports.sockets, ["router", "dealer", "close"]);
  withMethods("DriverOptions.ports.clock", ports.clock, ["nowMs", "epochMs", "setTimer", "clearTimer"]);
  withMethods("DriverOptions.ports.rng", ports.rng, ["nextUint32"]);
}
