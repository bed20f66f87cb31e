/**
 * Added latency on one server, by whichever means the machine has: a netem qdisc on the
 * server's eth0 where the kernel has netem (faults.ts), else its delay relay (the cluster
 * must then have been started with the server in `relayed`: delay-relay.ts). Either way
 * every byte the server sends waits `ms` more, so each round trip to it gets that much
 * longer; `mechanism` says which one a run used, for its diagnostics.
 */
import type { ServerNode } from "./cluster.js";
import { clearNetem, epochNow, setNetem } from "./faults.js";
import { netemSkipReason } from "./netns-env.js";

export interface AddedDelay {
  readonly mechanism: "netem" | "relay";
  /** Sets the added delay; resolves with the time it took effect. */
  set(ms: number): Promise<number>;
  /** Removes it; resolves with the time. */
  clear(): Promise<number>;
}

/** Whether servers must be started behind a relay to get added latency here (no netem). */
export const needsRelay = (): boolean => netemSkipReason() !== undefined;

export function addedDelay(server: ServerNode): AddedDelay {
  if (!needsRelay())
    return {
      mechanism: "netem",
      set: async (ms) => setNetem(server.node, { delayMs: ms }),
      clear: async () => clearNetem(server.node),
    };
  const relay = server.relay;
  if (!relay) throw new Error(`${server.name}: no netem here, and it was not started behind a relay`);
  const set = async (ms: number): Promise<number> => {
    const r = await relay.request({ cmd: "delay", ms });
    if (!r.ok) throw new Error(`relay: ${JSON.stringify(r.error)}`);
    return epochNow();
  };
  return { mechanism: "relay", set, clear: () => set(0) };
}
