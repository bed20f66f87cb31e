/**
 * A swarm's seeds on worker threads (node:worker_threads). Each worker runs whole seeds,
 * one at a time; an idle worker takes the next seed in order, so a slow seed holds up one
 * worker, not the sweep. Outcomes come back in any order and are handed on in seed order:
 * every seed is deterministic in itself, so the printed lines, the summary and the JSON
 * are the same as in a single thread; only wall times differ.
 *
 * This module is also the workers' entry point: started as a swarm worker, it gets the
 * command line's arguments as workerData and runs one seed per message, answering each
 * with the seed's outcome or the error that stopped it; the next seed comes only after
 * the answer.
 */
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, type MessagePort, parentPort, Worker, workerData } from "node:worker_threads";
import type { CliArgs } from "./args.js";
import { runSwarmSeed, type SeedOutcome } from "./swarm-seed.js";

/** What a worker answers for one seed. */
type WorkerReply = { outcome: SeedOutcome } | { error: string };

/** The workerData of a swarm worker. */
interface SwarmWorkerData {
  swarmWorker: true;
  args: CliArgs;
}

const data = workerData as Partial<SwarmWorkerData> | null;
if (!isMainThread && parentPort && data?.swarmWorker === true && data.args) serve(parentPort, data.args);

function serve(port: MessagePort, args: CliArgs): void {
  port.on("message", (seed: number) => {
    runSwarmSeed(args, seed, `seed ${seed}`).then(
      (outcome) => port.postMessage({ outcome } satisfies WorkerReply),
      (err: unknown) =>
        port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
    );
  });
}

/**
 * A worker running this module: compiled (.js, as `npm run sim` runs it), or through tsx
 * (.ts, as the tests run it), where the worker registers tsx itself first, because Node 20
 * does not apply the process's `--import tsx` hooks to a worker.
 */
function startWorker(args: CliArgs): Worker {
  const workerData: SwarmWorkerData = { swarmWorker: true, args };
  if (extname(fileURLToPath(import.meta.url)) !== ".ts") return new Worker(new URL(import.meta.url), { workerData });
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Runs `seeds` on `workers` threads and yields their outcomes in the order of `seeds`.
 * `onDone` sees how many seeds have finished (in any order), for a progress bar. The first
 * error of any seed ends the sweep with that error.
 */
export async function* onWorkers(
  a: CliArgs,
  seeds: readonly number[],
  workers: number,
  onDone?: (finished: number) => void,
): AsyncGenerator<SeedOutcome> {
  const outcomes = new Map<number, SeedOutcome>();
  let dispatched = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const pool = Array.from({ length: Math.min(workers, seeds.length) }, () => {
    const worker = startWorker({ ...a, progress: false });
    let current = -1;
    const next = (): void => {
      current = failure || dispatched >= seeds.length ? -1 : dispatched++;
      if (current >= 0) worker.postMessage(seeds[current]);
    };
    worker.on("message", (m: WorkerReply) => {
      if ("error" in m) failure ??= new Error(m.error);
      else outcomes.set(current, m.outcome);
      next();
      notify();
    });
    worker.on("error", (err) => {
      failure ??= err;
      notify();
    });
    worker.on("exit", (code) => {
      if (current >= 0) failure ??= new Error(`a swarm worker stopped (exit ${code}) during seed ${seeds[current]}`);
      notify();
    });
    next();
    return worker;
  });
  try {
    for (let i = 0; i < seeds.length; i++) {
      for (;;) {
        const o = outcomes.get(i);
        if (o) {
          outcomes.delete(i);
          yield o;
          break;
        }
        if (failure) throw failure;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        onDone?.(i + outcomes.size);
      }
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
