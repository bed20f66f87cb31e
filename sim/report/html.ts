/**
 * The file report: one self-contained HTML page (inline SVG, no scripts, no network) with
 * the summary, violations, the three charts, the options and the fault schedule in the
 * scenario DSL, plus result.json next to it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeFault } from "../faults/actions.js";
import type { SimResult } from "../run.js";
import { faultTimeline, latencyChart, throughputChart } from "./charts.js";
import { throughput, latencyStats } from "./stats.js";
import { esc } from "./svg.js";
import { resultJson, terminalSummary, type RunLabel } from "./summary.js";

export function writeReport(r: SimResult, label: RunLabel, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const json = resultJson(r, label);
  writeFileSync(join(dir, "result.json"), `${JSON.stringify(json, null, 2)}\n`);
  const t = throughput(r.ctx.calls);
  const healMs = r.healUs / 1000;
  const start = Math.min(t.startMs, r.options.warmupMs);
  const end = Math.max(t.startMs + t.bucketMs * t.replied.length, healMs);
  const charts = [
    latencyChart(latencyStats(r.ctx.calls)),
    throughputChart(t, healMs, { startMs: start, endMs: end }),
    faultTimeline(r.ctx.faults.applied, start, end, healMs),
  ];
  const names = ["latency.svg", "throughput.svg", "faults.svg"];
  for (const [i, svg] of charts.entries()) writeFileSync(join(dir, names[i]!), svg);
  const schedule = r.schedule.map(describeFault).join("\n");
  const { schedule: _s, ...opts } = r.options;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulation ${esc(label.scenario ?? `seed ${r.options.seed}`)}</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#1a202c}pre{background:#f7fafc;padding:1em;overflow:auto;font-size:12px}
h2{margin-top:1.6em}.bad{color:#c53030}.ok{color:#2f855a}figure{margin:1em 0}</style></head><body>
<h1>Deterministic cluster simulation</h1>
<p class="${r.violations.length ? "bad" : "ok"}"><b>${r.violations.length ? `${r.violations.length} violation(s)` : "All checkers passed"}</b>
 &middot; seed ${r.options.seed} &middot; traceHash <code>${r.traceHash}</code></p>
<p>Reproduce: <code>${esc(label.reproduce)}</code></p>
<h2>Summary</h2><pre>${esc(terminalSummary(r, label))}</pre>
<h2>Charts</h2>${charts.map((c) => `<figure>${c}</figure>`).join("\n")}
<h2>Fault schedule (scenario DSL)</h2><pre>${esc(schedule || "(none)")}</pre>
<h2>Options</h2><pre>${esc(JSON.stringify(opts, null, 2))}</pre>
</body></html>
`;
  const path = join(dir, "index.html");
  writeFileSync(path, html);
  return path;
}
