/**
 * Entry point of a swarm worker thread (swarm-workers.ts). It gets the command line's
 * arguments as workerData, then runs one seed per message, answering each with the seed's
 * outcome or the error that stopped it. Seeds run one at a time: the next message comes
 * only after the answer.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { CliArgs } from "./args.js";
import { runSwarmSeed, type SeedOutcome } from "./swarm-seed.js";

/** What a worker answers for one seed. */
export type WorkerReply = { outcome: SeedOutcome } | { error: string };

const port = parentPort;
if (!port) throw new Error("swarm-worker.ts runs as a worker thread (sim/cli/swarm-workers.ts starts it)");
const args = workerData as CliArgs;

port.on("message", (seed: number) => {
  runSwarmSeed(args, seed, `seed ${seed}`).then(
    (outcome) => port.postMessage({ outcome } satisfies WorkerReply),
    (err: unknown) =>
      port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});
