/**
 * `npm run bench -- --compare old.json new.json`: what changed between two reports, per
 * scenario and system, with the verdict of verdict.ts on each scenario's primary figure
 * (p50 for the one-at-a-time call scenarios, ops/s for the rest), and the ratios side by side.
 * A report file may hold the human output before the JSON line (`npm run bench -- --json > f`):
 * its last line that parses as JSON is the report; or be the report pretty-printed (bench/baseline.json).
 */
import { readFileSync } from "node:fs";
import { num, table } from "./report.js";
import type { BenchReport } from "./types.js";
import { judge } from "./verdict.js";

const isReport = (o: unknown): o is BenchReport => o !== null && typeof o === "object" && "results" in o;

/** The report in `text`: the whole text as JSON (a pretty-printed file), else its last line that is one. */
export function parseReport(text: string, what: string): BenchReport {
  try {
    const whole = JSON.parse(text) as unknown;
    if (isReport(whole)) return whole;
  } catch {}
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const o = JSON.parse(lines[i]!) as unknown;
      if (isReport(o)) return o;
    } catch {}
  }
  throw new Error(`${what}: no benchmark report (a JSON line with "results") found`);
}

export function readReport(path: string): BenchReport {
  return parseReport(readFileSync(path, "utf8"), path);
}

/** Round i of `sys` divided by round i of raw zeromq.js, for the figure `f` (the paired ratio's samples). */
function perRoundRatio(report: BenchReport, sc: string, sys: string, f: "p50Us" | "opsPerSec"): number[] | undefined {
  const a = report.results[sc]?.[sys]?.samples;
  const b = report.results[sc]?.["raw-zmq"]?.samples;
  if (!a || !b) return undefined;
  return a.slice(0, b.length).map((s, i) => (s[f] ?? Number.NaN) / (b[i]![f] ?? Number.NaN));
}

/**
 * The driver's figure divided by raw zeromq.js's in the same round, judged like a figure:
 * a load that differs between the two runs moves both systems, so this row stays put when
 * the driver did not change (the row to read when the machine was not equally busy).
 */
function normalizedRow(before: BenchReport, after: BenchReport, sc: string, sys: string): string[][] {
  const f = after.results[sc]?.[sys]?.primary ?? "opsPerSec";
  const [a, b] = [perRoundRatio(before, sc, sys, f), perRoundRatio(after, sc, sys, f)];
  if (!a || !b) return [];
  const j = judge(a, b, f === "opsPerSec");
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1] ?? Number.NaN;
  const label = f === "p50Us" ? "p50 ÷ raw" : "÷ raw";
  const p = j.p < 1 ? j.p.toFixed(3) : "-";
  return [[`${sc} / ${sys} ÷ raw-zmq`, label, num(med(a), 2), num(med(b), 2), pct(j.change), p, j.verdict]];
}

const pct = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %` : "-");

/** The comparison table and the ratios, as text. */
export function compareReports(before: BenchReport, after: BenchReport): string {
  const rows: string[][] = [];
  const scenarios = [...new Set([...Object.keys(before.results), ...Object.keys(after.results)])];
  for (const sc of scenarios) {
    const systems = [...new Set([...Object.keys(before.results[sc] ?? {}), ...Object.keys(after.results[sc] ?? {})])];
    for (const sys of systems) {
      const a = before.results[sc]?.[sys];
      const b = after.results[sc]?.[sys];
      if (!a || !b) {
        rows.push([`${sc} / ${sys}`, "", "", "", "", "", a ? "only in old" : "only in new"]);
        continue;
      }
      const f = b.primary ?? "opsPerSec";
      const series = (r: typeof a): number[] => r.samples.map((s) => s[f] ?? Number.NaN);
      const j = judge(series(a), series(b), f === "opsPerSec");
      const unit = f === "p50Us" ? "p50 µs" : (b.unit ?? "ops/s");
      rows.push([
        `${sc} / ${sys}`,
        unit,
        num(a[f]),
        num(b[f]),
        pct(j.change),
        j.p < 1 ? j.p.toFixed(3) : "-",
        j.verdict,
      ]);
      if (sys.startsWith("driver")) rows.push(...normalizedRow(before, after, sc, sys));
    }
  }
  const out = [
    `old: ${before.meta.gitRevision ?? "?"} (${before.meta.date}); new: ${after.meta.gitRevision ?? "?"} (${after.meta.date})`,
    table(["scenario / system", "figure", "old", "new", "change", "p", "verdict"], rows),
    "",
    "Verdict: better/worse when a Mann-Whitney U test on the rounds' samples gives p < 0.05 and the medians",
    "differ by 3 % or more; otherwise within noise (spec/benchmarks.md, Compare). Rows `÷ raw-zmq` judge the",
    "driver's figure divided by raw zeromq.js's in the same round: read those when the load differed between runs.",
    "",
    "Ratios (old → new):",
  ];
  const keys = [...new Set([...Object.keys(before.ratios), ...Object.keys(after.ratios)])];
  for (const k of keys) {
    const [x, y] = [before.ratios[k], after.ratios[k]];
    if (typeof x === "number" || typeof y === "number")
      out.push(`- ${k}: ${num(x as number | null, 2)} → ${num(y as number | null, 2)}`);
    else if (x && typeof x === "object") {
      for (const [kk, v] of Object.entries(x as Record<string, number | null>))
        out.push(`- ${k}.${kk}: ${num(v, 2)} → ${num((y as Record<string, number | null> | undefined)?.[kk], 2)}`);
    }
  }
  return `${out.join("\n")}\n`;
}
