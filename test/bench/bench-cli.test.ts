/**
 * Goal: `npm run bench` keeps its promises to scripts (spec/benchmarks.md): with --json the
 * last stdout line is one report object of the documented shape, from a real (tiny) run of
 * the driver and raw zeromq.js; --compare reads such reports and prints a verdict per
 * scenario and system; a mistake on the command line exits 2 with the usage.
 * Method: bench/main.ts in a child process (test/support/run-script.ts), one cheap scenario,
 * 20 ms rounds, no peer (no nats-server needed). Nothing here depends on how fast it runs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseBenchArgs } from "../../bench/cli.js";
import { compareReports, parseReport } from "../../bench/compare.js";
import { UsageError } from "../../src/cli/command-line.js";
import type { BenchReport } from "../../bench/types.js";
import { repoPath, runScript } from "../support/run-script.js";

const MAIN = repoPath("bench/main.ts");
const TINY = ["--only", "call-1", "--systems", "driver,raw-zmq", "--time-ms", "20", "--rounds", "2", "--json"];

function lastLine(stdout: string): string {
  const lines = stdout.trimEnd().split("\n");
  return lines[lines.length - 1]!;
}

test("bench - --json: the last stdout line is the report: results per scenario and system with samples, ratios, meta", async () => {
  const run = await runScript(MAIN, TINY, { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.out);
  const report = JSON.parse(lastLine(run.stdout)) as BenchReport;
  assert.equal(report.schema, 1);
  assert.deepEqual(Object.keys(report.results), ["call-1"]);
  assert.deepEqual(Object.keys(report.results["call-1"]!).sort(), ["driver", "raw-zmq"]);
  for (const r of Object.values(report.results["call-1"]!)) {
    assert.ok(r.opsPerSec > 0);
    assert.ok(r.p50Us !== null && r.p50Us > 0 && r.p99Us !== null && r.p99Us >= r.p50Us);
    assert.equal(r.samples.length, 2);
    assert.equal(r.primary, "p50Us");
    for (const s of r.samples) assert.deepEqual(Object.keys(s).sort(), ["opsPerSec", "p50Us", "p99Us"]);
  }
  assert.equal(typeof report.ratios.callLatencyP50, "number");
  assert.equal(report.ratios.callThroughput64, null, "call-64 did not run");
  assert.equal(report.ratios.castThroughput, null, "cast did not run");
  assert.equal(report.ratios.vsNats, undefined, "NATS did not run");
  const m = report.meta;
  assert.equal(m.node, process.version);
  assert.ok(m.cpuModel.length > 0 && m.cpus > 0);
  assert.ok(!Number.isNaN(Date.parse(m.date)));
  assert.ok(m.gitRevision === null || /^[0-9a-f]{40}/.test(m.gitRevision));
  assert.deepEqual(m.options.scenarios, ["call-1"]);
  assert.equal(m.options.rounds, 2);
  assert.match(run.stdout, /call p50, one at a time: driver \/ raw zeromq\.js/, "the human table comes first");

  // --compare reads files holding the human output and the JSON line, as `> file` writes them.
  const dir = mkdtempSync(join(tmpdir(), "bench-test-"));
  try {
    writeFileSync(join(dir, "a.json"), run.stdout);
    writeFileSync(join(dir, "b.json"), run.stdout);
    const cmp = await runScript(MAIN, ["--compare", join(dir, "a.json"), join(dir, "b.json")]);
    assert.equal(cmp.code, 0, cmp.out);
    assert.match(cmp.stdout, /call-1 \/ driver .*within noise/);
    assert.match(cmp.stdout, /call-1 \/ raw-zmq .*within noise/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bench - command-line mistakes exit 2 with the usage; --help exits 0", async () => {
  for (const args of [
    ["--only", "no-such-scenario"],
    ["--systems", "zmq"],
    ["--time-ms", "0"],
    ["--rounds", "x"],
    ["--compare", "one.json"],
    ["stray"],
  ])
    assert.throws(() => parseBenchArgs(args, {}), UsageError, args.join(" "));
  for (const args of [["--bogus"], ["--compare", "one.json"]]) {
    const run = await runScript(MAIN, args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.out}`);
    assert.match(run.stderr, /usage: npm run bench/, args.join(" "));
  }
  const help = await runScript(MAIN, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--compare/);
});

test("bench - --quick picks the quick scenarios and micro; --only keeps the catalog order", () => {
  const quick = parseBenchArgs(["--quick"], {});
  assert.equal(quick.mode, "run");
  if (quick.mode !== "run") return;
  assert.deepEqual(quick.scenarios, ["call-1", "call-64", "cast", "fanout-10", "notify", "micro"]);
  assert.deepEqual([quick.timeMs, quick.rounds], [100, 5]);
  const only = parseBenchArgs(["--only", "micro,cast", "--time-ms", "50"], {});
  assert.ok(only.mode === "run" && only.scenarios.join() === "cast,micro" && only.timeMs === 50);
});

test("bench - compare: a shift of every sample far beyond the spread is reported in its direction, for the figure and for its ratio to raw zeromq.js", () => {
  const calls64 = (ops: number[]) => ({
    opsPerSec: ops[2]!,
    p50Us: null,
    p99Us: null,
    unit: "calls/s",
    primary: "opsPerSec" as const,
    samples: ops.map((o) => ({ opsPerSec: o, p50Us: null, p99Us: null })),
  });
  const report = (ops: number[], p50: number[], rawOps = ops.map((o) => o * 2)): BenchReport => ({
    schema: 1,
    meta: {
      node: "v20",
      cpuModel: "x",
      cpus: 2,
      loadAverage: { start: [], end: [] },
      date: "2026-01-01T00:00:00Z",
      gitRevision: null,
      options: {},
      skipped: [],
    },
    results: {
      "call-64": { driver: calls64(ops), "raw-zmq": calls64(rawOps) },
      "call-1": {
        driver: {
          opsPerSec: 1,
          p50Us: p50[2]!,
          p99Us: null,
          unit: "calls/s",
          primary: "p50Us",
          samples: p50.map((p) => ({ opsPerSec: 1, p50Us: p, p99Us: null })),
        },
      },
    },
    ratios: { callLatencyP50: null, callThroughput64: null, castThroughput: null },
  });
  const before = report([100, 101, 102, 103, 104], [200, 201, 202, 203, 204]);
  const after = report([200, 201, 202, 203, 204], [300, 301, 302, 303, 304]);
  assert.deepEqual(parseReport(JSON.stringify(after, null, 2), "pretty"), after, "a pretty-printed report reads too");
  assert.deepEqual(
    parseReport(`table\n${JSON.stringify(after)}\n`, "piped"),
    after,
    "and the last line of a piped run",
  );
  const text = compareReports(before, after);
  assert.match(text, /call-64 \/ driver .*better/);
  assert.match(text, /call-1 \/ driver .*p50 µs.*worse/);
  assert.match(
    text,
    /call-64 \/ driver ÷ raw-zmq .*within noise/,
    "raw zeromq.js doubled as well: the ratio did not move",
  );
  const slower = compareReports(
    before,
    report([100, 101, 102, 103, 104], [200, 201, 202, 203, 204], [400, 401, 402, 403, 404]),
  );
  assert.match(slower, /call-64 \/ driver .*calls\/s.*within noise/);
  assert.match(
    slower,
    /call-64 \/ driver ÷ raw-zmq .*worse/,
    "the same figure beside a faster raw zeromq.js is a lower ratio",
  );
});
