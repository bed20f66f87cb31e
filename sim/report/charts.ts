/**
 * The three charts of the report: latency distribution of answered calls, outcomes over
 * virtual time, and the fault timeline on the same time axis.
 */
import { FAULT_KINDS, faultHosts } from "../faults/actions.js";
import type { AppliedFault } from "../history/fault-log.js";
import type { LatencyStats, Throughput } from "./stats.js";
import { COLORS, fmt, Svg } from "./svg.js";

const W = 900;

export function latencyChart(l: LatencyStats): string {
  const svg = new Svg(W, 320, `Latency of answered calls (virtual time, n=${fmt(l.count)})`);
  const { edgesMs, counts } = l.histogram;
  const lo = Math.log10(edgesMs[0]!);
  const hi = Math.log10(edgesMs[edgesMs.length - 1]!) + 0.25;
  const x = svg.xAxis(lo, hi, "latency (ms, log scale)", (v) => fmt(10 ** v));
  const y = svg.yAxis(Math.max(...counts, 1), "calls");
  counts.forEach((c, i) => {
    const a = x(Math.log10(edgesMs[i]!));
    const b = x(i + 1 < edgesMs.length ? Math.log10(edgesMs[i + 1]!) : hi);
    svg.rect(a + 1, y(c), b - a - 2, y(0) - y(c), COLORS.accent, `${fmt(edgesMs[i]!)} ms and up: ${c} calls`);
  });
  const marks = [
    ["p50", l.p50Ms, COLORS.replied],
    ["p99", l.p99Ms, COLORS.timedOut],
    ["max", l.maxMs, COLORS.failed],
  ] as const;
  marks.forEach(([name, v, color], i) => {
    if (!(v > 0)) return;
    const px = x(Math.min(hi, Math.max(lo, Math.log10(v))));
    svg.line(px, svg.plot.y, px, svg.plot.y + svg.plot.h, color, "4 3");
    svg.text(px + 3, svg.plot.y + 12 + i * 14, `${name} ${fmt(v)} ms`, { fill: color });
  });
  return svg.toString();
}

export function throughputChart(t: Throughput, healMs: number, domain: { startMs: number; endMs: number }): string {
  const svg = new Svg(W, 320, "Requests settled over virtual time", { left: 80, right: 20, top: 36, bottom: 44 });
  svg.legend([
    { label: "replied", color: COLORS.replied },
    { label: "timed out", color: COLORS.timedOut },
    { label: "failed", color: COLORS.failed },
  ]);
  const n = t.replied.length;
  const end = domain.endMs;
  const x = svg.xAxis(domain.startMs, domain.endMs, "virtual time (ms)");
  const perSec = (c: number): number => (c * 1000) / t.bucketMs;
  const totals = t.replied.map((r, i) => perSec(r + t.timedOut[i]! + t.failed[i]!));
  const y = svg.yAxis(Math.max(...totals, 1), "requests per virtual second");
  for (let i = 0; i < n; i++) {
    const a = x(t.startMs + i * t.bucketMs);
    const w = Math.max(1, x(t.startMs + (i + 1) * t.bucketMs) - a - 0.5);
    let base = 0;
    for (const [series, color, name] of [
      [t.replied, COLORS.replied, "replied"],
      [t.timedOut, COLORS.timedOut, "timed out"],
      [t.failed, COLORS.failed, "failed"],
    ] as const) {
      const v = perSec(series[i]!);
      svg.rect(
        a,
        y(base + v),
        w,
        y(base) - y(base + v),
        color,
        `${fmt(t.startMs + i * t.bucketMs)} ms: ${series[i]} ${name}`,
      );
      base += v;
    }
  }
  if (healMs >= t.startMs && healMs <= end) {
    svg.line(x(healMs), svg.plot.y, x(healMs), svg.plot.y + svg.plot.h, COLORS.axis, "6 4");
    svg.text(x(healMs) + 4, svg.plot.y + 12, "faults heal");
  }
  return svg.toString();
}

const KIND_COLORS: Record<string, string> = {
  partition: "#805ad5",
  isolate: "#6b46c1",
  clog: "#3182ce",
  crash: "#c53030",
  restart: "#dd6b20",
  pause: "#d69e2e",
  slow: "#38a169",
  hang: "#2c7a7b",
  redis: "#b83280",
  duplicate: "#4a5568",
  freeze: "#975a16",
  heartbeatLoss: "#718096",
  delay: "#2b6cb0",
};

export function faultTimeline(faults: readonly AppliedFault[], startMs: number, endMs: number, healMs: number): string {
  const kinds = FAULT_KINDS.filter((k) => faults.some((f) => f.action.kind === k));
  const rowH = 26;
  const svg = new Svg(
    W,
    80 + Math.max(1, kinds.length) * rowH,
    `Fault timeline (${faults.length} faults, same time axis)`,
    { left: 80, right: 20, top: 36, bottom: 44 },
  );
  const x = svg.xAxis(startMs, endMs, "virtual time (ms)");
  if (kinds.length === 0) svg.text(svg.plot.x + svg.plot.w / 2, svg.plot.y + 20, "no faults", { anchor: "middle" });
  kinds.forEach((k, row) => {
    const y = svg.plot.y + row * rowH + 4;
    svg.text(svg.plot.x - 6, y + 13, k, { anchor: "end" });
    svg.line(svg.plot.x, y + rowH - 2, svg.plot.x + svg.plot.w, y + rowH - 2, "#edf2f7");
    for (const f of faults.filter((g) => g.action.kind === k)) {
      const a = x(Math.max(startMs, f.startUs / 1000));
      const end = Number.isFinite(f.endUs) ? f.endUs / 1000 : healMs;
      const b = x(Math.min(endMs, Math.max(end, f.startUs / 1000)));
      const hosts = faultHosts(f.action);
      const tip = `#${f.index} ${k}${hosts.length ? ` h${hosts.join(",h")}` : ""} ${fmt(f.startUs / 1000)}-${fmt(end)} ms`;
      svg.rect(a, y, Math.max(2, b - a), rowH - 8, KIND_COLORS[k] ?? COLORS.accent, tip, 0.6);
    }
  });
  if (healMs >= startMs && healMs <= endMs)
    svg.line(x(healMs), svg.plot.y, x(healMs), svg.plot.y + svg.plot.h, COLORS.axis, "6 4");
  return svg.toString();
}
