import { finiteAtLeast, integerAtLeast } from "../core/validate.js";

/** Limits the pool core enforces (resolved from DriverOptions.pool, src/options.ts). */
export interface PoolLimits {
  /** Most sockets open at once, draining ones included. */
  maxSockets: number;
  /** An idle socket (no lease) is closed this long after its last use. */
  idleTimeoutMs: number;
  /** Consecutive send failures or handshake errors after which a socket is recycled. */
  recycleAfterFailures: number;
  /** Most leases (requests in flight) on one peer's socket at once. */
  maxInFlightPerPeer: number;
  /** Most acquires waiting for a socket; beyond it acquire fails at once. */
  maxWaiters: number;
}

/**
 * Throws a TypeError or RangeError naming the limit unless every limit is in range; returns
 * the limits unchanged. `idleTimeoutMs` and `maxWaiters` may be Infinity (never close an
 * idle socket; no bound on waiters).
 */
export function validateLimits(l: PoolLimits): PoolLimits {
  integerAtLeast("pool.maxSockets", l.maxSockets, 1);
  if (l.idleTimeoutMs !== Infinity) finiteAtLeast("pool.idleTimeoutMs", l.idleTimeoutMs, 0);
  integerAtLeast("pool.recycleAfterFailures", l.recycleAfterFailures, 1);
  integerAtLeast("pool.maxInFlightPerPeer", l.maxInFlightPerPeer, 1);
  if (l.maxWaiters !== Infinity) integerAtLeast("pool.maxWaiters", l.maxWaiters, 0);
  return l;
}
