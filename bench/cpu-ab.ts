/**
 * `npm run bench:ab -- --base <revision>`: how much main-thread CPU a cast or a call costs
 * in the working tree against another revision, both compiled and run in one process,
 * their rounds alternating (spec/benchmarks.md, "CPU A/B").
 *
 * Why a second tool beside `--compare`: on a shared virtual machine the speed moves by
 * 1.5–2× within minutes, so two runs of `npm run bench` minutes apart cannot show a change
 * of 3–5 %. Here each round of the working tree runs right after (or before) a round of the
 * base, and the figure is the CPU time the main thread spent per operation
 * (`/proc/self/task/<pid>/schedstat`: libzmq's I/O thread and the wall time do not count),
 * so the per-round ratio of the two cancels most of the machine's drift.
 *
 * The base is built from a git worktree of the revision (removed afterwards) with this
 * checkout's node_modules; its bench/systems/driver.ts and bench/scenarios/loops.ts must
 * offer what this file imports (startDriver, payloadOf, oneWayRound, callRound).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median, quantile } from "./stats.js";
import { HOT_LOOP_MODES, type HotLoop, type HotLoopMode, loadHotLoop } from "./hot-loop.js";

const AB_MODES = HOT_LOOP_MODES;
type AbMode = HotLoopMode;

/** What one compiled tree offers the A/B (the bench modules of that revision). */
interface Tree {
  label: string;
  loop: HotLoop;
  cpuUsPerOp: number[];
  opsPerSec: number[];
}

/** The spread of the per-round ratios b[i] / a[i]: median and quartiles. */
export interface PairedSpread {
  median: number;
  q25: number;
  q75: number;
  rounds: number;
}

/** Per-round ratios b[i] / a[i] of two series measured in alternation, summarized; null when no round pairs. */
export function pairedSpread(a: readonly number[], b: readonly number[]): PairedSpread | null {
  const rs: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i]! > 0 && Number.isFinite(b[i]!)) rs.push(b[i]! / a[i]!);
  if (rs.length === 0) return null;
  return { median: median(rs), q25: quantile(rs, 0.25), q75: quantile(rs, 0.75), rounds: rs.length };
}

/** One line saying what the spread means: a change only when the quartiles agree on its direction. */
export function describeSpread(s: PairedSpread): string {
  const pct = (r: number) => `${r < 1 ? "-" : "+"}${Math.abs((r - 1) * 100).toFixed(1)} %`;
  const range = `median ${pct(s.median)}, quartiles ${pct(s.q25)} to ${pct(s.q75)}, ${s.rounds} round pairs`;
  if (s.q75 < 1) return `less CPU per operation: ${range}`;
  if (s.q25 > 1) return `more CPU per operation: ${range}`;
  return `within noise (the quartiles straddle 1): ${range}`;
}

/** CPU time the main thread has used, ns (Linux: schedstat of the thread whose id is the pid). */
function mainThreadCpuNs(): number {
  const stat = `/proc/self/task/${process.pid}/schedstat`;
  if (existsSync(stat)) return Number(readFileSync(stat, "utf8").split(" ")[0]);
  const u = process.cpuUsage(); // every thread: libzmq's I/O thread counts too
  return (u.user + u.system) * 1000;
}

async function loadTree(dist: string, label: string, mode: AbMode): Promise<Tree> {
  return { label, loop: await loadHotLoop(dist, mode), cpuUsPerOp: [], opsPerSec: [] };
}

async function measure(t: Tree, roundMs: number): Promise<void> {
  const c0 = mainThreadCpuNs();
  const w0 = performance.now();
  const s = await t.loop.round(roundMs);
  const cpuNs = mainThreadCpuNs() - c0;
  const ops = (s.opsPerSec * (performance.now() - w0)) / 1000;
  t.cpuUsPerOp.push(cpuNs / 1000 / ops);
  t.opsPerSec.push(s.opsPerSec);
}

/** Builds `revision` into a temporary directory; returns its compiled tree and a cleanup. */
function buildRevision(root: string, revision: string): { dist: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "zmq-rpc-ab-"));
  const work = join(dir, "src");
  const git = (...args: string[]) => execFileSync("git", ["-C", root, ...args], { stdio: "pipe" });
  git("worktree", "add", "--detach", work, revision);
  const cleanup = () => {
    try {
      git("worktree", "remove", "--force", work);
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");
    const dist = join(dir, "dist");
    // The base's own sources with its own tsconfig; type errors of an old revision do not stop the build.
    try {
      execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(work, "tsconfig.json"), "--outDir", dist], {
        stdio: "pipe",
      });
    } catch (err) {
      if (!existsSync(join(dist, "bench/systems/driver.js"))) throw err;
    }
    // The compiled tree resolves packages from its own location: give it the modules too.
    symlinkSync(join(root, "node_modules"), join(dist, "node_modules"), "dir");
    return { dist, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

const HELP = `npm run bench:ab -- --base <revision> [options]

Main-thread CPU per operation of the working tree (B) against <revision> (A), both built
and run in this process, rounds alternating (spec/benchmarks.md, "CPU A/B").

  --base REV       the revision to compare with (a commit, a branch, HEAD~1)
  --mode M         cast (bursts of 64 casts of 100 B) | call-64 (64 calls in flight) | call-1 (default cast)
  --rounds N       round pairs (default 40)
  --round-ms MS    one round of one tree (default 100)
  --json           the last line of stdout is one JSON object
  -h, --help       this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: "string" },
      mode: { type: "string", default: "cast" },
      rounds: { type: "string", default: "40" },
      "round-ms": { type: "string", default: "100" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || values.base === undefined) {
    console.log(HELP);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const mode = values.mode as AbMode;
  if (!AB_MODES.includes(mode)) throw new Error(`--mode must be one of ${AB_MODES.join(", ")}`);
  const rounds = Number(values.rounds);
  const roundMs = Number(values["round-ms"]);
  if (!(Number.isInteger(rounds) && rounds >= 4)) throw new Error("--rounds must be an integer >= 4");
  if (!(roundMs >= 10)) throw new Error("--round-ms must be at least 10");

  const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
  const root = resolve(here, "../..");
  const built = buildRevision(root, values.base);
  const trees: Tree[] = [];
  try {
    trees.push(await loadTree(built.dist, `A ${values.base}`, mode));
    trees.push(await loadTree(resolve(here, ".."), "B working tree", mode));
    for (const t of trees) for (let i = 0; i < 3; i++) await t.loop.round(roundMs); // warm-up
    for (let r = 0; r < rounds; r++)
      for (const t of r % 2 === 0 ? trees : [...trees].reverse()) await measure(t, roundMs);
  } finally {
    for (const t of trees) await t.loop.sys.close().catch(() => undefined);
    built.cleanup();
  }
  const [a, b] = trees as [Tree, Tree];
  const spread = pairedSpread(a.cpuUsPerOp, b.cpuUsPerOp)!;
  for (const t of trees)
    console.log(
      `${t.label.padEnd(24)} ${median(t.cpuUsPerOp).toFixed(2)} µs main-thread CPU per ${mode === "cast" ? "cast" : "call"} (median), ${Math.round(median(t.opsPerSec)).toLocaleString("en-US")} ops/s`,
    );
  console.log(`B against A: ${describeSpread(spread)}`);
  if (values.json)
    console.log(
      JSON.stringify({
        mode,
        base: values.base,
        a: { cpuUsPerOp: a.cpuUsPerOp, opsPerSec: a.opsPerSec },
        b: { cpuUsPerOp: b.cpuUsPerOp, opsPerSec: b.opsPerSec },
        ratio: spread,
      }),
    );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`bench:ab: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
