/**
 * A swarm's seeds on worker threads (node:worker_threads). Each worker runs whole seeds,
 * one at a time; an idle worker takes the next seed in order, so a slow seed holds up one
 * worker, not the sweep. Outcomes come back in any order and are handed on in seed order:
 * every seed is deterministic in itself, so the printed lines, the summary and the JSON
 * are the same as in a single thread; only wall times differ.
 */
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { CliArgs } from "./args.js";
import type { SeedOutcome } from "./swarm-seed.js";
import type { WorkerReply } from "./swarm-worker.js";

const EXT = extname(fileURLToPath(import.meta.url));
const ENTRY = new URL(`./swarm-worker${EXT}`, import.meta.url);

/**
 * A worker running swarm-worker.js (compiled, as `npm run sim` runs), or swarm-worker.ts
 * when this code runs through tsx (as the tests run it): Node 20 does not apply the
 * process's `--import tsx` hooks to a worker, so the worker registers tsx itself first.
 */
function startWorker(workerData: CliArgs): Worker {
  if (EXT !== ".ts") return new Worker(ENTRY, { workerData });
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY.href)}); });`;
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
