/**
 * A run: the selected scenarios one after another; within a scenario, a short unmeasured
 * warm-up of every system, then `rounds` rounds in which every system runs once for
 * `timeMs`, systems interleaved and their order rotated from round to round, so that a
 * load that comes and goes on a shared machine hits all systems alike and none always
 * runs first (uml/benchmarks.mmd). Each round of each system is one sample.
 */
import { MICRO, SCENARIOS } from "./scenarios/catalog.js";
import { runMicro } from "./scenarios/micro.js";
import { summarize } from "./stats.js";
import type { SystemRegistry } from "./systems/registry.js";
import type { BenchSystem, Results, Sample } from "./types.js";

export interface RunPlan {
  /** Scenario names in the order to run (SCENARIO_NAMES order). */
  scenarios: readonly string[];
  rounds: number;
  /** Measured time of one system in one round, ms. */
  timeMs: number;
}

/** `xs` rotated left by `k`. */
export function rotate<T>(xs: readonly T[], k: number): T[] {
  const n = xs.length;
  return n === 0 ? [] : xs.map((_, i) => xs[(i + k) % n]!);
}

export async function runPlan(plan: RunPlan, registry: SystemRegistry, note: (line: string) => void): Promise<Results> {
  const results: Results = {};
  for (const name of plan.scenarios) {
    if (name === MICRO) {
      const samples = await runMicro(plan.rounds, Math.max(10, Math.round(plan.timeMs / 4)), note);
      results[MICRO] = Object.fromEntries(
        Object.entries(samples).map(([task, s]) => [task, summarize(s, "ops/s", "opsPerSec")]),
      );
      continue;
    }
    const sc = SCENARIOS.find((s) => s.name === name)!;
    const t0 = performance.now();
    const systems: BenchSystem[] = [];
    for (const sysName of sc.systems) {
      const sys = await registry.get(sysName);
      if (sys && sc.supports(sys)) systems.push(sys);
    }
    if (systems.length === 0) continue;
    const warmupMs = Math.max(20, Math.min(200, Math.round(plan.timeMs / 2)));
    for (const sys of systems) await sc.round(sys, warmupMs);
    const samples = new Map<string, Sample[]>(systems.map((s) => [s.name, []]));
    for (let r = 0; r < plan.rounds; r++)
      for (const sys of rotate(systems, r)) samples.get(sys.name)!.push(await sc.round(sys, plan.timeMs));
    results[sc.name] = Object.fromEntries([...samples].map(([sys, s]) => [sys, summarize(s, sc.unit, sc.primary)]));
    const took = ((performance.now() - t0) / 1000).toFixed(1);
    note(`${sc.name}: done in ${took} s (${systems.map((s) => s.name).join(", ")})`);
  }
  return results;
}
