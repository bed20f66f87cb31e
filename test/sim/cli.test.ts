/**
 * The CLI contract: with --json the last stdout line is one JSON object with the fields
 * spec/sim.md lists; the same seed prints the same traceHash in a separate process; a
 * commit-hash seed is accepted; a run with violations exits 1 and prints how to reproduce;
 * --help prints the options and exits 0; bad usage exits 2 naming the mistake; output
 * larger than a pipe's buffer reaches a reader that starts late whole.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { throughSlowPipe } from "../support/slow-pipe.js";

const QUIET = ["--no-report", "--no-progress", "--workers", "1"];

function sim(...args: string[]): {
  code: number | null;
  stdout: string;
  stderr: string;
  last: Record<string, unknown>;
} {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "sim/cli/main.ts", ...args, "--no-report", "--no-progress"],
    { encoding: "utf8" },
  );
  const lines = r.stdout.trim().split("\n");
  let last: Record<string, unknown> = {};
  try {
    last = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  } catch {
    /* not JSON: the caller asserts on stdout */
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last };
}

describe("sim cli", () => {
  it("--json prints one JSON object last, with seed, hosts, calls, times, traceHash, settled and violations", () => {
    const a = sim("--seed", "77", "--hosts", "5", "--calls", "200", "--json");
    assert.equal(a.code, 0, a.stdout);
    for (const k of ["seed", "hosts", "calls", "simulatedMs", "wallMs", "traceHash", "settled", "violations"])
      assert.ok(k in a.last, `missing ${k}`);
    assert.deepEqual(Object.keys(a.last.settled as object).sort(), ["failed", "replied", "timedOut"]);
    assert.deepEqual(a.last.violations, []);
    assert.equal(a.last.seed, 77);
    const b = sim("--seed", "77", "--hosts", "5", "--calls", "200", "--json");
    assert.equal(b.last.traceHash, a.last.traceHash, "same seed, same hash, in another process");
  });

  it("accepts a 40-hex commit hash as the seed and prints the reproduce command, --burst included", () => {
    const r = sim(
      "--seed",
      "0123456789abcdef0123456789abcdef01234567",
      "--hosts",
      "3",
      "--calls",
      "50",
      "--burst",
      "2",
    );
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /seed 20015998343868 \(from commit 0123456789abcdef/);
    assert.match(r.stdout, /reproduce: npm run sim -- --seed 20015998343868 --hosts 3 --calls 50 --burst 2\n/);
  });

  it("--help prints what the simulator does and every option, and exits 0", () => {
    const r = sim("--help");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: npm run sim -- \[options\]\n\nRuns the real driver on a simulated cluster/);
    for (const flag of [
      "--seed",
      "--hosts",
      "--swarm",
      "--workers",
      "--shard",
      "--search",
      "--json",
      "--drain",
      "--help",
    ])
      assert.ok(r.stdout.includes(flag), `--help does not mention ${flag}`);
  });

  it("bad usage exits 2 with a message naming the mistake on stderr, and runs nothing", () => {
    for (const [args, message] of [
      [["--hosts", "0"], /--hosts needs an integer >= 1, got 0/],
      [["--frobnicate"], /unknown option --frobnicate/],
      [["--swarm", "3", "--faults", "heavy"], /--faults cannot be combined with --swarm/],
    ] as const) {
      const r = sim(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /npm run sim -- --help/);
      assert.equal(r.stdout, "");
    }
  });

  it("--json output larger than a pipe's buffer (64 KiB) reaches a slow reader whole and parses", () => {
    // 740 seeds of an idle two-host world: one small run record each, about 68 KB.
    const args = ["--seed", "4503599627370496", "--swarm", "740", "--hosts", "2", "--calls", "0"];
    const out = throughSlowPipe([process.execPath, "--import", "tsx", "sim/cli/main.ts", ...args, ...QUIET, "--json"]);
    assert.ok(out.length > 65_536, `only ${out.length} bytes`);
    const j = JSON.parse(out.toString("utf8")) as { runs: unknown[]; violations: unknown[] };
    assert.equal(j.runs.length, 740);
    assert.deepEqual(j.violations, []);
  });

  it("exits 1 and prints the violations and the reproduce command when a checker fails", () => {
    const r = sim("--scenario", "slow-handlers", "--seed", "1", "--planted-bug", "stale-reply-to-oldest");
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /FAIL reply-to-right-caller/);
    assert.match(
      r.stdout,
      /reproduce: npm run sim -- --scenario slow-handlers --seed 1 --planted-bug stale-reply-to-oldest/,
    );
  });
});
