/**
 * Bookkeeping for the heartbeat and breaker tests (test/redis/heartbeat.acceptance.test.ts,
 * test/redis/heartbeat-contrast.acceptance.test.ts, test/redis/breaker.acceptance.test.ts):
 * their heartbeat settings, when each host turned unhealthy in the client's circuit
 * breakers and when it was healthy again, and a steady stream of calls with how each ended.
 */
import type { RpcClient, Transport } from "../../../src/index.js";
import { transportInternals } from "../../../src/internal.js";

/** Short heartbeats for the tests, on clients and servers alike. */
export const TEST_HEARTBEAT = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400 };

/**
 * The bound on detecting a frozen server with TEST_HEARTBEAT, from its SIGSTOP:
 * heartbeatTimeoutMs + 200 ms. libzmq drops a connection when nothing came for
 * heartbeatTimeoutMs after a PING it sent, so at most heartbeatIntervalMs +
 * heartbeatTimeoutMs (500 ms) after the freeze; the TTL the server's PINGs carry may drop
 * it sooner (heartbeatTimeoutMs after the server's last PING, unless a PONG came after
 * that PING). The rest (100 ms) is room for the event to reach the client's event loop.
 */
export const DETECT_BOUND_MS = TEST_HEARTBEAT.heartbeatTimeoutMs + 200;

/** How often the watch reads the client's unhealthy hosts. */
const POLL_MS = 5;

export interface HealthWatch {
  /** Per host, each time it turned unhealthy (open, half-open or probing) and healthy again, in order. */
  readonly changes: { host: string; unhealthy: boolean; atMs: number }[];
  /** The first time at or after `sinceMs` that `host` was seen unhealthy (undefined: not yet). */
  firstUnhealthy(host: string, sinceMs?: number): number | undefined;
  /** The first time at or after `sinceMs` that `host` was seen healthy again (undefined: not yet). */
  firstHealthy(host: string, sinceMs?: number): number | undefined;
  stop(): void;
}

/** Reads `transport`'s unhealthy hosts every POLL_MS until stopped, noting every change. */
export function watchHealth(transport: Transport): HealthWatch {
  const engine = transportInternals(transport).engine;
  const changes: HealthWatch["changes"] = [];
  let now = new Set<string>();
  const poll = (): void => {
    const atMs = performance.now();
    const next = new Set(engine.unhealthyHosts);
    for (const host of next) if (!now.has(host)) changes.push({ host, unhealthy: true, atMs });
    for (const host of now) if (!next.has(host)) changes.push({ host, unhealthy: false, atMs });
    now = next;
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  const first = (host: string, unhealthy: boolean, sinceMs: number): number | undefined =>
    changes.find((c) => c.host === host && c.unhealthy === unhealthy && c.atMs >= sinceMs)?.atMs;
  return {
    changes,
    firstUnhealthy: (host, sinceMs = -Infinity) => first(host, true, sinceMs),
    firstHealthy: (host, sinceMs = -Infinity) => first(host, false, sinceMs),
    stop: () => {
      clearInterval(timer);
      poll();
    },
  };
}

/** One call of a stream, as it ended. */
export interface StreamCall {
  id: string;
  startMs: number;
  endMs: number;
  /** The server that answered (the "run" method's {server}), or undefined when the call failed. */
  server?: string;
  error?: unknown;
}

/**
 * `workers` loops, each calling `client`'s "run" with `gapMs` between a call's end and the
 * next one's start, until `durationMs` have passed since the start; every call's outcome,
 * in the order they ended.
 */
export async function callStream(
  client: RpcClient,
  idPrefix: string,
  workers: number,
  durationMs: number,
  gapMs = 5,
): Promise<StreamCall[]> {
  const out: StreamCall[] = [];
  const endAt = performance.now() + durationMs;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const id = `${idPrefix}-${n++}`;
      const startMs = performance.now();
      try {
        const v = await client.call<{ server: string }>({}, "run", { id });
        out.push({ id, startMs, endMs: performance.now(), server: v.server });
      } catch (error) {
        out.push({ id, startMs, endMs: performance.now(), error });
      }
      await new Promise((r) => setTimeout(r, gapMs));
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}

/** Rounded milliseconds, for diagnostics. */
export function ms(values: readonly number[]): string {
  return values.map((v) => Math.round(v)).join(" ");
}
