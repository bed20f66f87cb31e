/**
 * `npm run bench:profile -- --mode cast`: where the main thread's time goes in one of the
 * driver's hot loops (spec/benchmarks.md, "Profiles"). Runs the loop of `--mode` (the same
 * as `npm run bench:ab`'s: bursts of 64 casts, 64 calls in flight, or one call at a time)
 * for a second of warm-up, then for `--seconds` under V8's sampling profiler (through
 * node:inspector, so start-up and warm-up stay out of the profile), and prints the self
 * time by function and by file and the inclusive time of the heaviest call paths, as
 * shares of the profile. `--keep FILE` writes the .cpuprofile (Chrome DevTools, speedscope).
 *
 * The summary is plain arithmetic on the profile (summarize, below): self time is the
 * samples whose top frame is the function; inclusive time is the samples with the
 * function anywhere in the stack, counted once per sample.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { HOT_LOOP_MODES, type HotLoopMode, loadHotLoop } from "./hot-loop.js";

/** The parts of a V8 .cpuprofile this summary reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** A line of the summary: a name and its share of the profile's time (0..1). */
export interface Share {
  name: string;
  share: number;
}

export interface ProfileSummary {
  /** Self time by function ("name file:line"), largest first. */
  byFunction: Share[];
  /** Self time by file (or "(native)" for V8's own entries: idle, GC, program), largest first. */
  byFile: Share[];
  /** Inclusive time of the call tree's nodes, depth-first, heaviest child first, those at least `minShare`. */
  tree: (Share & { depth: number })[];
}

const fileOf = (url: string): string => (url === "" ? "(native)" : url.replace(/^.*\/(dist|node_modules)\//, "$1/"));
const labelOf = (cf: CpuProfile["nodes"][number]["callFrame"]): string =>
  `${cf.functionName || "(anonymous)"} ${fileOf(cf.url)}:${cf.lineNumber + 1}`;

function ranked(m: Map<string, number>, total: number): Share[] {
  return [...m].map(([name, t]) => ({ name, share: total > 0 ? t / total : 0 })).sort((a, b) => b.share - a.share);
}

/** Self and inclusive shares of a profile; tree nodes below `minShare` are left out. */
export function summarize(p: CpuProfile, minShare = 0.01): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = Math.max(0, p.timeDeltas[i] ?? 0);
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, t] of self) {
    const cf = byId.get(id)!.callFrame;
    const fn = labelOf(cf);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    byFile.set(fileOf(cf.url), (byFile.get(fileOf(cf.url)) ?? 0) + t);
  }
  // Inclusive time of a node: its self time and its children's (the tree has no cycles).
  const inclusive = new Map<number, number>();
  const order: number[] = [];
  const stack = [p.nodes[0]!.id];
  while (stack.length > 0) {
    const id = stack.pop()!;
    order.push(id);
    for (const c of byId.get(id)!.children ?? []) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = byId.get(order[i]!)!;
    let t = self.get(n.id) ?? 0;
    for (const c of n.children ?? []) t += inclusive.get(c) ?? 0;
    inclusive.set(n.id, t);
  }
  const tree: (Share & { depth: number })[] = [];
  const walk = (id: number, depth: number): void => {
    const share = total > 0 ? inclusive.get(id)! / total : 0;
    if (share < minShare) return;
    tree.push({ name: labelOf(byId.get(id)!.callFrame), share, depth });
    const children = [...(byId.get(id)!.children ?? [])].sort((a, b) => inclusive.get(b)! - inclusive.get(a)!);
    for (const c of children) walk(c, depth + 1);
  };
  const roots = [...(byId.get(p.nodes[0]!.id)!.children ?? [])].sort((a, b) => inclusive.get(b)! - inclusive.get(a)!);
  for (const c of roots) walk(c, 0);
  return { byFunction: ranked(byFunction, total), byFile: ranked(byFile, total), tree };
}

const pct = (s: number): string => `${(s * 100).toFixed(1).padStart(5)} %`;

/** The summary as text: the top `top` functions and files, and the tree. */
export function formatSummary(s: ProfileSummary, top = 30): string {
  const lines = ["self time by function:", ...s.byFunction.slice(0, top).map((x) => `${pct(x.share)}  ${x.name}`)];
  lines.push("", "self time by file:", ...s.byFile.slice(0, top).map((x) => `${pct(x.share)}  ${x.name}`));
  lines.push(
    "",
    "inclusive time (call tree):",
    ...s.tree.map((x) => `${pct(x.share)}  ${"  ".repeat(x.depth)}${x.name}`),
  );
  return lines.join("\n");
}

/** The mode's loop: a second of warm-up, then `seconds` under the profiler; the profile. */
async function profileLoop(dist: string, mode: HotLoopMode, seconds: number, intervalUs: number): Promise<CpuProfile> {
  const { sys, round } = await loadHotLoop(dist, mode);
  const session = new Session();
  session.connect();
  try {
    await round(1000);
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
    await session.post("Profiler.start");
    const s = await round(seconds * 1000);
    const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
    console.log(`${mode}: ${Math.round(s.opsPerSec).toLocaleString("en-US")} ops/s while profiled`);
    return profile;
  } finally {
    session.disconnect();
    await sys.close();
  }
}

const HELP = `npm run bench:profile -- [options]

A CPU profile of one of the driver's hot loops, summarized (spec/benchmarks.md, "Profiles").

  --mode M        cast | call-64 | call-1 (default cast)
  --seconds S     profiled time after a 1 s warm-up (default 5)
  --interval-us N sampling interval (default 100)
  --top N         lines of the self-time tables (default 30)
  --min-share P   leave out call-tree nodes under P % (default 1)
  --keep FILE     also write the profile to FILE (.cpuprofile: Chrome DevTools, speedscope)
  -h, --help      this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: "string", default: "cast" },
      seconds: { type: "string", default: "5" },
      "interval-us": { type: "string", default: "100" },
      top: { type: "string", default: "30" },
      "min-share": { type: "string", default: "1" },
      keep: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
  const mode = values.mode as HotLoopMode;
  if (values.help || !HOT_LOOP_MODES.includes(mode)) {
    console.log(HELP);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const profile = await profileLoop(resolve(here, ".."), mode, Number(values.seconds), Number(values["interval-us"]));
  console.log(formatSummary(summarize(profile, Number(values["min-share"]) / 100), Number(values.top)));
  if (values.keep !== undefined) {
    writeFileSync(values.keep, JSON.stringify(profile));
    console.log(`\nprofile: ${values.keep}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`bench:profile: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
