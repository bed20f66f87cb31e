/**
 * Goal: the profile summary of `npm run bench:profile` (bench/cpu-profile.ts,
 * spec/benchmarks.md "Profiles") adds up: self time is the samples whose top frame is the
 * function, inclusive time the samples with it anywhere in the stack, shares of the whole.
 * Method: a hand-made profile, and fast-check over sample sequences on a fixed tree.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type CpuProfile, formatSummary, summarize } from "../../bench/cpu-profile.js";

const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });
// root -> a (dist/src/a.js) -> b (dist/src/b.js); root -> (idle)
const profile = (samples: number[], timeDeltas = samples.map(() => 10)): CpuProfile => ({
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 4] },
    { id: 2, callFrame: frame("a", "file:///x/dist/src/a.js", 9), children: [3] },
    { id: 3, callFrame: frame("b", "file:///x/dist/src/b.js", 19) },
    { id: 4, callFrame: frame("(idle)") },
  ],
  samples,
  timeDeltas,
});

test("cpu-profile - self and inclusive shares of a hand-made profile", () => {
  const s = summarize(profile([2, 3, 3, 4]), 0);
  assert.deepEqual(s.byFunction, [
    { name: "b dist/src/b.js:20", share: 0.5 },
    { name: "a dist/src/a.js:10", share: 0.25 },
    { name: "(idle) (native):1", share: 0.25 },
  ]);
  assert.deepEqual(
    s.tree.map((x) => [x.depth, x.name, x.share]),
    [
      [0, "a dist/src/a.js:10", 0.75],
      [1, "b dist/src/b.js:20", 0.5],
      [0, "(idle) (native):1", 0.25],
    ],
  );
  assert.match(formatSummary(s), /50\.0 % {2}b dist\/src\/b\.js:20/);
  assert.deepEqual(
    summarize(profile([2, 3, 3, 4]), 0.3).tree.map((x) => x.name),
    ["a dist/src/a.js:10", "b dist/src/b.js:20"],
  );
});

test("cpu-profile - self shares add up to 1 and a parent's inclusive share is at least its child's, for any samples", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(2, 3, 4), fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 50 }),
      (ss) => {
        const s = summarize(
          profile(
            ss.map(([id]) => id),
            ss.map(([, dt]) => dt),
          ),
          0,
        );
        const sum = (xs: { share: number }[]) => xs.reduce((n, x) => n + x.share, 0);
        assert.ok(Math.abs(sum(s.byFunction) - 1) < 1e-9);
        assert.ok(Math.abs(sum(s.byFile) - 1) < 1e-9);
        const a = s.tree.find((x) => x.name.startsWith("a "));
        const b = s.tree.find((x) => x.name.startsWith("b "));
        if (b !== undefined) assert.ok(a !== undefined && a.share >= b.share);
      },
    ),
  );
});
