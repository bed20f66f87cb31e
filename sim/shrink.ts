/**
 * fast-check over fault schedules: generate schedules for a fixed small cluster, run the
 * simulation on each, and when one breaks a checker, let fast-check shrink it (fewer
 * faults, earlier, shorter, lower host numbers) to a minimal failing schedule. The result
 * prints in the scenario DSL, ready to become a named regression scenario.
 *
 * The property is "the run has no violations". fast-check's own seed drives generation, so
 * a search is reproducible from (base options, fast-check seed).
 */
import fc from "fast-check";
import { describeFault, type FaultAction } from "./faults/actions.js";
import type { SimInput } from "./options.js";
import { runSimulation } from "./run.js";
import type { Violation } from "./violations.js";

export interface ScheduleSpace {
  hosts: number;
  /** Faults start within [fromMs, toMs]. */
  fromMs: number;
  toMs: number;
  /** Longest fault. */
  maxForMs: number;
  maxActions: number;
}

export function faultActionArb(s: ScheduleSpace): fc.Arbitrary<FaultAction> {
  const host = fc.integer({ min: 0, max: s.hosts - 1 });
  const atMs = fc.integer({ min: s.fromMs, max: s.toMs });
  const forMs = fc.integer({ min: 1, max: s.maxForMs });
  return fc.oneof(
    fc.record({
      kind: fc.constant("slow" as const),
      atMs,
      forMs,
      host,
      serviceMs: fc.integer({ min: 1, max: s.maxForMs }),
    }),
    fc.record({ kind: fc.constant("pause" as const), atMs, forMs, host }),
    fc.record({ kind: fc.constant("clog" as const), atMs, forMs, from: host, to: host }).filter((a) => a.from !== a.to),
    fc.record({ kind: fc.constant("hang" as const), atMs, forMs, host }),
    fc.record({
      kind: fc.constant("isolate" as const),
      atMs,
      forMs,
      host,
      direction: fc.constantFrom("both" as const, "in" as const, "out" as const),
    }),
    fc.record({ kind: fc.constant("crash" as const), atMs, host, restartAfterMs: fc.option(forMs, { nil: null }) }),
    fc.record({ kind: fc.constant("restart" as const), atMs, host }),
    fc.record({ kind: fc.constant("redis" as const), atMs, forMs }),
  );
}

export function scheduleArb(s: ScheduleSpace): fc.Arbitrary<FaultAction[]> {
  return fc
    .array(faultActionArb(s), { minLength: 0, maxLength: s.maxActions })
    .map((xs) => [...xs].sort((a, b) => a.atMs - b.atMs));
}

export interface ShrinkOutcome {
  failed: boolean;
  /** The minimal failing schedule, when one was found. */
  schedule?: FaultAction[];
  violations?: Violation[];
  numRuns: number;
  numShrinks: number;
  /** The schedule in the scenario DSL. */
  dsl?: string;
}

/** Searches for a schedule that breaks a checker; shrinks it when found. */
export async function searchSchedules(
  base: SimInput,
  space: ScheduleSpace,
  o: { seed: number; numRuns: number },
): Promise<ShrinkOutcome> {
  let last: Violation[] = [];
  const property = fc.asyncProperty(scheduleArb(space), async (schedule) => {
    const r = await runSimulation({ ...base, schedule });
    last = r.violations;
    return r.violations.length === 0;
  });
  const details = await fc.check(property, { seed: o.seed, numRuns: o.numRuns, endOnFailure: false });
  if (!details.failed || !details.counterexample) return { failed: false, numRuns: details.numRuns, numShrinks: 0 };
  const [schedule] = details.counterexample;
  // Re-run the minimal schedule: its violations (not those of the last shrink attempt).
  const again = await runSimulation({ ...base, schedule });
  last = again.violations;
  return {
    failed: true,
    schedule,
    violations: last,
    numRuns: details.numRuns,
    numShrinks: details.numShrinks,
    dsl: schedule.map(describeFault).join("\n"),
  };
}
