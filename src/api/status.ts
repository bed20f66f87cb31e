/**
 * Transport.status() snapshots and their exported types (spec/observability.md, "Status
 * snapshots"): copies of the counters the client engine, the socket pool, each started
 * RpcServer and the matchmaker keep, taken at one moment.
 */
import type { ClientStats } from "../core/delivery-request.js";
import type { Target } from "../core/target.js";
import type { ListenerStats } from "../driver/listener-stats.js";
import type { PoolMetrics } from "../pool/socket-pool.js";

export type { ClientStats, ListenerStats, PoolMetrics };

/** A started RpcServer as the transport sees it. */
export interface ServerStatus {
  target: Target;
  /** The registered address, once started. */
  host: string | undefined;
  /** Requests running now. */
  inFlight: number;
  /** Requests waiting in the work gate. */
  queued: number;
  stats: ListenerStats;
}

export interface MatchmakerStatus {
  /** Reachable now; null when the matchmaker cannot tell (in-process). */
  available: boolean | null;
  /** What status events call it (a Redis matchmaker: "redis host:port/db"). */
  describe: string | undefined;
}

export interface TransportStatus {
  client: ClientStats & { pending: number };
  pool: PoolMetrics;
  /** Hosts whose circuit breaker is not closed. */
  breakers: { host: string }[];
  servers: ServerStatus[];
  matchmaker: MatchmakerStatus;
}

/** A live server, registered with its transport while started (status snapshots, metrics). */
export interface ServerProbe {
  readonly target: Target;
  readonly host: string | undefined;
  readonly inFlight: number;
  readonly queued: number;
  readonly stats: ListenerStats;
}

export function serverStatus(s: ServerProbe): ServerStatus {
  return { target: { ...s.target }, host: s.host, inFlight: s.inFlight, queued: s.queued, stats: { ...s.stats } };
}
