/**
 * One simulation as the CLI runs it: the input a command line describes, the command that
 * reproduces a seed, and the run itself with its progress bar and trace file.
 *
 * The progress bar (stderr) reads the wall clock only to throttle its own output; nothing
 * it does reaches the simulation.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { FAULT_PRESETS } from "../faults/options.js";
import type { SimInput } from "../options.js";
import { runSimulation, type RunHooks, type SimResult } from "../run.js";
import { findScenario, SCENARIOS } from "../scenarios/catalog.js";
import type { CliArgs } from "./args.js";

/** The command line that repeats `seed` (a swarm seed with `swarm`) with the options given. */
export function reproduce(a: CliArgs, seed: number, swarm: boolean): string {
  const parts = ["npm run sim --"];
  if (a.scenario) parts.push(`--scenario ${a.scenario}`);
  if (swarm) parts.push("--swarm 1");
  parts.push(`--seed ${seed}`);
  if (a.hosts !== undefined) parts.push(`--hosts ${a.hosts}`);
  if (a.calls !== undefined) parts.push(`--calls ${a.calls}`);
  if (a.burst !== undefined) parts.push(`--burst ${a.burst}`);
  if (a.notifications) parts.push(`--notifications ${a.notifications}`);
  if (!a.scenario && !swarm) {
    if (a.rate !== undefined) parts.push(`--rate ${a.rate}`);
    if (a.timeoutMs !== undefined) parts.push(`--timeout-ms ${a.timeoutMs}`);
    if (a.faults !== "default") parts.push(`--faults ${a.faults}`);
  }
  if (a.acks) parts.push("--acks");
  if (a.ackTimeoutMs !== undefined) parts.push(`--ack-timeout-ms ${a.ackTimeoutMs}`);
  if (a.idempotentPercent !== undefined) parts.push(`--idempotent ${a.idempotentPercent}`);
  if (a.plantedBug) parts.push(`--planted-bug ${a.plantedBug}`);
  if (a.proxies !== undefined) parts.push(`--proxies ${a.proxies}`);
  if (a.balancing) parts.push(`--balancing ${a.balancing}`);
  if (a.curve) parts.push("--curve");
  return parts.join(" ");
}

/**
 * `input` with what --acks, --ack-timeout-ms and --idempotent ask for (a scenario's own
 * settings are overridden only by the flags given).
 */
function withAcks(a: CliArgs, input: SimInput): SimInput {
  if (!a.acks && a.idempotentPercent === undefined) return input;
  const percent = a.idempotentPercent ?? (a.acks ? 50 : undefined);
  return {
    ...input,
    ...(a.acks
      ? {
          driver: {
            ...input.driver,
            acks: true,
            ...(a.ackTimeoutMs !== undefined ? { ackTimeoutMs: a.ackTimeoutMs } : {}),
          },
        }
      : {}),
    workload: { ...input.workload, ...(percent !== undefined ? { idempotentRatio: percent / 100 } : {}) },
  };
}

/** The input of a single run or a scenario, and the name its report is filed under. */
export function singleInput(a: CliArgs, seed: number): { input: SimInput; name: string } {
  if (a.scenario) {
    const s = findScenario(a.scenario);
    if (!s) throw new RangeError(`unknown scenario ${a.scenario}; known: ${SCENARIOS.map((x) => x.name).join(", ")}`);
    const cluster = { ...s.input.cluster, ...(a.hosts !== undefined ? { hosts: a.hosts } : {}) };
    const workload = { ...s.input.workload, ...(a.calls !== undefined ? { calls: a.calls } : {}) };
    const notifications = a.notifications
      ? { ...s.input.notifications, count: a.notifications }
      : s.input.notifications;
    return {
      input: withAcks(a, { ...s.input, cluster, workload, seed, ...(notifications ? { notifications } : {}) }),
      name: s.name,
    };
  }
  return {
    input: withAcks(a, {
      seed,
      cluster: { hosts: a.hosts ?? 20, ...(typeof a.proxies === "number" ? { proxies: a.proxies } : {}) },
      workload: {
        calls: a.calls ?? 2000,
        ...(a.rate !== undefined ? { ratePerSec: a.rate } : {}),
        ...(a.burst !== undefined ? { burst: a.burst } : {}),
        ...(a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {}),
      },
      faults: FAULT_PRESETS[a.faults]!,
      ...(a.notifications ? { notifications: { count: a.notifications } } : {}),
    }),
    name: `seed-${seed}-${a.hosts ?? 20}h-${a.calls ?? 2000}c`,
  };
}

/**
 * `input` with the command line's --balancing and --curve for every process, if given
 * (nothing is drawn for them; a scenario's own CURVE options stay).
 */
export function withBalancing(a: CliArgs, input: SimInput): SimInput {
  const curved = a.curve && !input.curve ? { ...input, curve: {} } : input;
  return a.balancing === undefined ? curved : { ...curved, driver: { ...curved.driver, balancing: a.balancing } };
}

/** Runs `input` with the drain, planted bug, progress bar and trace file the command line asks for. */
export async function runOne(a: CliArgs, input: SimInput, label: string): Promise<SimResult> {
  const hooks: RunHooks = { drain: a.drain };
  const bar = showProgress(a.progress) ? new ProgressBar(label) : undefined;
  if (bar) hooks.onProgress = (f) => bar.update(f);
  let fd: number | undefined;
  if (a.trace) {
    fd = openSync(a.trace, "w");
    const out = fd;
    hooks.traceSink = (line) => writeSync(out, `${line}\n`);
  }
  try {
    const input2 = a.plantedBug ? { ...input, plantedBug: a.plantedBug } : input;
    return await runSimulation(withBalancing(a, input2), hooks);
  } finally {
    bar?.done();
    if (fd !== undefined) closeSync(fd);
  }
}

/** Progress bar on stderr for long runs (and, with workers, for a swarm). */
export class ProgressBar {
  private lastDraw = 0;
  private readonly start = performance.now();

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(fraction: number): void {
    const now = performance.now();
    if (now - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = now;
    const f = Math.max(0, Math.min(1, fraction));
    const width = 30;
    const done = Math.round(f * width);
    const secs = ((now - this.start) / 1000).toFixed(1);
    this.out.write(
      `\r${this.label} [${"#".repeat(done)}${".".repeat(width - done)}] ${(f * 100).toFixed(0).padStart(3)}%  ${secs} s`,
    );
  }

  done(): void {
    this.out.write(`\r${" ".repeat(70)}\r`);
  }
}

/** Whether to draw progress: as asked, else when stderr is a terminal. */
export function showProgress(asked: boolean | undefined): boolean {
  return asked ?? process.stderr.isTTY === true;
}
