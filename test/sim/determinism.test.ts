/**
 * Determinism: the same seed and options give the same trace hash, bit for bit, and the
 * same event trace line for line; another seed gives another run. Runs happen in one
 * process, one after the other, so any state leaking between runs (a module global, a
 * shared matchmaker) would show up as a different hash. A run suspends stack traces
 * (sim/stack-traces.ts) and gives the limit back.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../../sim/run.js";
import { FAULTS_HEAVY } from "../../sim/faults/options.js";
import { suspendStackTraces } from "../../sim/stack-traces.js";

const input = { seed: 1234, cluster: { hosts: 8 }, workload: { calls: 400, ratePerSec: 1000 }, faults: FAULTS_HEAVY };

describe("sim determinism", () => {
  it("the same seed gives the same traceHash and outcome counts, three runs in a row", async () => {
    const runs = [await runSimulation(input), await runSimulation(input), await runSimulation(input)];
    assert.ok(runs[0]!.schedule.length > 0, "the run has faults");
    for (const r of runs.slice(1)) {
      assert.equal(r.traceHash, runs[0]!.traceHash);
      assert.deepEqual(r.settled, runs[0]!.settled);
      assert.equal(r.simulatedMs, runs[0]!.simulatedMs);
    }
  });

  it("the same seed gives the same event trace, line for line", async () => {
    const small = { ...input, workload: { calls: 60, ratePerSec: 600 } };
    const a: string[] = [];
    const b: string[] = [];
    await runSimulation(small, { traceSink: (l) => a.push(l) });
    await runSimulation(small, { traceSink: (l) => b.push(l) });
    assert.ok(a.length > 500);
    assert.deepEqual(a, b);
    assert.match(
      a.find((l) => l.includes(" deliver "))!,
      /^\d{6}\.\d{3} deliver conn=\d+ from=h\d+ to=h\d+ bytes=\d+$/,
    );
  });

  it("another seed gives another trace", async () => {
    const a = await runSimulation(input);
    const b = await runSimulation({ ...input, seed: 1235 });
    assert.notEqual(a.traceHash, b.traceHash);
  });

  it("a run builds its errors without stack traces and restores Error.stackTraceLimit, also after overlapping claims", async () => {
    const before = Error.stackTraceLimit;
    const frames = new Set<number>();
    await runSimulation(
      { ...input, workload: { calls: 60, ratePerSec: 600 } },
      { traceSink: () => frames.add((new Error("in a run").stack ?? "").split("\n    at ").length - 1) },
    );
    assert.deepEqual([...frames], [0], "an error built during the run has no stack frames");
    assert.equal(Error.stackTraceLimit, before);
    const first = suspendStackTraces();
    const second = suspendStackTraces();
    first();
    first(); // a second end of the same claim changes nothing
    assert.equal(Error.stackTraceLimit, 0, "the second claim still holds");
    second();
    assert.equal(Error.stackTraceLimit, before);
  });
});
