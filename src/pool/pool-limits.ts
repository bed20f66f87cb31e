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

/** Throws RangeError unless every limit is in range; returns the limits unchanged. */
export function validateLimits(l: PoolLimits): PoolLimits {
  const check = (name: keyof PoolLimits, min: number, integer: boolean): void => {
    const v = l[name];
    if (Number.isNaN(v) || v < min || (integer && Number.isFinite(v) && !Number.isInteger(v))) {
      throw new RangeError(`pool.${name} must be ${integer ? "an integer" : "a number"} >= ${min}, got ${v}`);
    }
  };
  check("maxSockets", 1, true);
  check("idleTimeoutMs", 0, false);
  check("recycleAfterFailures", 1, true);
  check("maxInFlightPerPeer", 1, true);
  check("maxWaiters", 0, true);
  return l;
}
