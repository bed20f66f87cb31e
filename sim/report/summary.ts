/** The run in words and numbers: the JSON object of `--json` and the terminal summary. */
import { CHECKERS, cleanShutdown } from "../checkers/index.js";
import type { SimResult } from "../run.js";
import { kindCounts, latencyStats } from "./stats.js";

export interface RunLabel {
  /** The command that reproduces this run exactly. */
  reproduce: string;
  scenario?: string;
  commit?: string;
}

/** The JSON object printed as the last line with --json (fields documented in spec/sim.md). */
export function resultJson(r: SimResult, label: RunLabel): Record<string, unknown> {
  const lat = latencyStats(r.ctx.calls);
  return {
    seed: r.options.seed,
    ...(label.commit ? { commit: label.commit } : {}),
    ...(label.scenario ? { scenario: label.scenario } : {}),
    hosts: r.hosts,
    calls: r.calls,
    simulatedMs: round(r.simulatedMs),
    wallMs: r.wallMs,
    traceHash: r.traceHash,
    settled: r.settled,
    abandoned: r.abandoned,
    violations: r.violations.map((v) => ({
      checker: v.checker,
      message: v.message,
      ...(v.atUs !== undefined ? { atMs: round(v.atUs / 1000) } : {}),
      ...(v.call !== undefined ? { call: v.call } : {}),
    })),
    faults: r.schedule.length,
    latencyMs: { p50: round(lat.p50Ms), p90: round(lat.p90Ms), p99: round(lat.p99Ms), max: round(lat.maxMs) },
    figures: Object.fromEntries(Object.entries(r.figures).map(([k, v]) => [k, round(v)])),
    reproduce: label.reproduce,
  };
}

const round = (v: number): number => Math.round(v * 1000) / 1000;
const n = (v: number): string => Math.round(v).toLocaleString("en-US");
const pad = (s: string, w: number): string => (s.length >= w ? s : " ".repeat(w - s.length) + s);

export function terminalSummary(r: SimResult, label: RunLabel, reportPath?: string): string {
  const lines: string[] = [];
  const k = kindCounts(r.ctx.calls);
  const lat = latencyStats(r.ctx.calls);
  const seed = label.commit ? `${r.options.seed} (from commit ${label.commit})` : String(r.options.seed);
  lines.push(`simulation ${label.scenario ? `scenario ${label.scenario}, ` : ""}seed ${seed}`);
  lines.push(
    `  hosts ${n(r.hosts)}   requests ${n(r.calls)}   faults ${r.schedule.length}   virtual ${n(r.simulatedMs)} ms   wall ${n(r.wallMs)} ms   events ${n(r.figures.events ?? 0)}`,
  );
  lines.push(`  traceHash ${r.traceHash}`);
  lines.push("");
  lines.push(`  ${"outcome".padEnd(10)}${pad("call", 11)}${pad("cast", 11)}${pad("fanout", 11)}${pad("total", 11)}`);
  for (const [name, key] of [
    ["replied", "replied"],
    ["timed out", "timedOut"],
    ["failed", "failed"],
    ["abandoned", "abandoned"],
  ] as const) {
    const row = [k.call[key], k.cast[key], k.fanout[key]];
    lines.push(
      `  ${name.padEnd(10)}${row.map((v) => pad(n(v), 11)).join("")}${pad(n(row[0]! + row[1]! + row[2]!), 11)}`,
    );
  }
  lines.push("");
  lines.push(
    `  call latency (virtual): p50 ${lat.p50Ms.toFixed(3)} ms   p90 ${lat.p90Ms.toFixed(3)} ms   p99 ${lat.p99Ms.toFixed(3)} ms   max ${lat.maxMs.toFixed(3)} ms`,
  );
  const errors = [...r.ctx.calls.errors].map(([e, c]) => `${e} ${n(c)}`).join(", ");
  if (errors) lines.push(`  failures by error: ${errors}`);
  lines.push(
    ...(r.figures.proxyRouted !== undefined
      ? [
          `  proxies ${r.options.cluster.proxies}: routed ${n(r.figures.proxyRouted)}   batches ${n(r.figures.proxyBatches ?? 0)}   published ${n(r.figures.proxyPublished ?? 0)}   back ${n(r.figures.proxyBack ?? 0)}   no-route ${n(r.figures.proxyNoRoute ?? 0)}   crashes ${r.figures.proxyCrashes ?? 0}`,
        ]
      : []),
    `  peak outbound sockets per process ${r.figures.peakOutboundSockets ?? 0}   latest settle vs deadline ${(r.figures.maxLatenessMs ?? 0).toFixed(3)} ms`,
  );
  lines.push("");
  const counts = r.violationCounts;
  for (const c of [...CHECKERS, cleanShutdown])
    lines.push(`  ${counts[c.name] ? "FAIL" : "ok  "} ${c.name.padEnd(30)} ${c.proves}`);
  for (const extra of Object.keys(counts).filter((c) => ![...CHECKERS, cleanShutdown].some((x) => x.name === c)))
    lines.push(`  FAIL ${extra}`);
  lines.push("");
  if (r.violations.length === 0) lines.push("  violations: none");
  else {
    lines.push(`  violations: ${Object.values(counts).reduce((a, b) => a + b, 0)}`);
    for (const v of r.violations.slice(0, 15)) lines.push(`    [${v.checker}] ${v.message}`);
  }
  if (reportPath) lines.push(`  report: ${reportPath}`);
  lines.push(`  reproduce: ${label.reproduce}`);
  return lines.join("\n");
}
