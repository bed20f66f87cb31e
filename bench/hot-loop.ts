/**
 * One of the driver's hot loops, loaded from a compiled tree: what `npm run bench:ab`
 * (cpu-ab.ts, one tree per revision) and `npm run bench:profile` (cpu-profile.ts) run.
 * The tree is imported by path, not through this file's own imports, so that the A/B can
 * load an older revision's build beside the working tree's; it must offer startDriver
 * (bench/systems/driver.ts) and payloadOf, oneWayRound, callRound (bench/scenarios/loops.ts).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BenchSystem, Payload, Sample } from "./types.js";

export const HOT_LOOP_MODES = ["cast", "call-64", "call-1"] as const;
/** Bursts of 64 casts of 100 B (the `cast` scenario's loop), 64 calls in flight, or one call at a time. */
export type HotLoopMode = (typeof HOT_LOOP_MODES)[number];

export interface HotLoop {
  /** The driver system the loop runs on (close it when done). */
  readonly sys: BenchSystem;
  /** One round of the loop for `timeMs`. */
  round(timeMs: number): Promise<Sample>;
}

/** Starts the driver system of the compiled tree at `dist` and returns its loop for `mode`. */
export async function loadHotLoop(dist: string, mode: HotLoopMode): Promise<HotLoop> {
  const url = (p: string) => pathToFileURL(join(dist, p)).href;
  const { startDriver } = (await import(url("bench/systems/driver.js"))) as {
    startDriver: () => Promise<BenchSystem>;
  };
  const loops = (await import(url("bench/scenarios/loops.js"))) as {
    payloadOf: (bytes: number) => Payload;
    oneWayRound: (flow: NonNullable<BenchSystem["cast"]>, p: Payload, timeMs: number) => Promise<Sample>;
    callRound: (sys: BenchSystem, p: Payload, inFlight: number, timeMs: number) => Promise<Sample>;
  };
  const sys = await startDriver();
  const payload = loops.payloadOf(100);
  const inFlight = mode === "call-64" ? 64 : 1;
  return {
    sys,
    round: (ms) =>
      mode === "cast" ? loops.oneWayRound(sys.cast!, payload, ms) : loops.callRound(sys, payload, inFlight, ms),
  };
}
