/**
 * Cases written against driver options that are still being built (ZMTP heartbeats,
 * balancing strategies, the circuit breaker). `missingOptions` asks the driver's own option
 * validation whether it accepts them: until it does, the case's tests are registered as
 * todo with that reason (they are reported as todo, never as passed, and do not run), and
 * its `before` hook starts nothing. Once the driver accepts the options, the same tests
 * run as written, with no change to this file or the case.
 */
import { test, type TestContext } from "node:test";
import { resolveOptions, type DriverOptions } from "../../../src/options.js";

/** Why `options` cannot be used yet (the validation error, naming the first option refused), or undefined. */
export function missingOptions(options: Record<string, unknown>): string | undefined {
  try {
    resolveOptions(options as DriverOptions);
    return undefined;
  } catch (err) {
    return `waits for DriverOptions ${Object.keys(options).join(", ")}: ${(err as Error).message.split(";")[0]}`;
  }
}

/** DriverOptions that this driver may not declare yet: typed loosely until it does. */
export const pendingOptions = (options: Record<string, unknown>): DriverOptions => options as DriverOptions;

/** `test`, or a todo with `reason` (no body run) while the options are missing. */
export function caseTest(reason: string | undefined): (name: string, fn: (t: TestContext) => void) => void {
  return (name, fn) => {
    if (reason === undefined) test(name, fn);
    else test(name, { todo: reason });
  };
}
