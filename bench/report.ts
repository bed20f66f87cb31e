/**
 * The human report of a run: per scenario a table with one row per system (the driver
 * first, raw zeromq.js next, then the peers), the medians over the rounds, the driver's
 * figure as a multiple of raw zeromq.js and of NATS, and the spread of the samples; then
 * the ratios in words, the skipped systems and the machine.
 */
import { MICRO, SCENARIOS } from "./scenarios/catalog.js";
import { RATIO_LABELS, ratioOf } from "./ratios.js";
import type { BenchReport, Result } from "./types.js";

const SYSTEM_LABELS: Record<string, string> = {
  driver: "driver",
  "raw-zmq": "raw zeromq.js",
  nats: "NATS",
  "nats-json": "NATS + JSON",
  rabbitmq: "RabbitMQ",
  grpc: "gRPC",
  "driver-proxy": "driver via a proxy",
  "driver-curve": "driver, CURVE",
  "raw-zmq-curve": "raw zeromq.js, CURVE",
};

export const num = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x)
    ? "-"
    : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Lays out rows as a Markdown-style table with padded columns (first column left, the rest right). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function spread(r: Result): string {
  const ops = r.samples.map((s) => s.opsPerSec);
  const lost = r.samples.reduce((n, s) => n + (s.lost ?? 0), 0);
  return `${num(Math.min(...ops))}–${num(Math.max(...ops))}${lost > 0 ? ` (${num(lost)} lost)` : ""}`;
}

function scenarioTable(report: BenchReport, name: string): string {
  const bySystem = report.results[name]!;
  const sc = SCENARIOS.find((s) => s.name === name);
  const unit = sc?.unit ?? "ops/s";
  const primary = sc?.primary ?? "opsPerSec";
  const rows = Object.entries(bySystem).map(([sys, r]) => {
    const vs = (ref: string): string => {
      if (sys === ref || !bySystem[ref] || (ref !== "raw-zmq" && !sys.startsWith("driver"))) return "";
      const x = ratioOf(report.results, name, sys, ref, primary);
      return x === null ? "" : `${num(x, 2)}×`;
    };
    return [
      SYSTEM_LABELS[sys] ?? sys,
      num(r.opsPerSec),
      num(r.p50Us, r.p50Us !== null && r.p50Us < 10 ? 2 : 0),
      num(r.p99Us, r.p99Us !== null && r.p99Us < 10 ? 2 : 0),
      vs("raw-zmq"),
      vs("nats"),
      spread(r),
    ];
  });
  const what = primary === "p50Us" ? "p50" : unit;
  return [
    `${name}: ${sc?.what ?? "micro-benchmarks of the hot paths (tinybench)"}`,
    table(
      [
        name === MICRO ? "task" : "system",
        unit,
        "p50 µs",
        "p99 µs",
        `${what} ×raw`,
        `${what} ×NATS`,
        `${unit} min–max`,
      ],
      rows,
    ),
  ].join("\n");
}

function ratioLines(report: BenchReport): string[] {
  const lines: string[] = [];
  const put = (label: string, v: unknown): void => {
    if (typeof v === "number") lines.push(`- ${label}: ${num(v, 2)}`);
  };
  for (const [k, label] of Object.entries(RATIO_LABELS)) put(label, report.ratios[k]);
  for (const [key, peer] of [
    ["vsNats", "NATS"],
    ["vsNatsJson", "NATS + JSON"],
    ["vsRabbitmq", "RabbitMQ"],
    ["vsGrpc", "gRPC"],
  ] as const) {
    const r = report.ratios[key] as Record<string, number | null> | undefined;
    if (!r) continue;
    put(`call p50, one at a time: driver / ${peer}`, r.callLatencyP50);
    put(`calls/s, 64 in flight: driver / ${peer}`, r.callThroughput64);
    put(`casts/s received: driver / ${peer}`, r.castThroughput);
  }
  return lines;
}

export function humanReport(report: BenchReport): string {
  const out: string[] = [];
  for (const name of Object.keys(report.results)) out.push(scenarioTable(report, name), "");
  out.push("Ratios (median of per-round ratios; latency > 1 or throughput < 1: the driver is slower):");
  out.push(...ratioLines(report), "");
  for (const s of report.meta.skipped) out.push(`skipped ${s.system}: ${s.reason}`);
  const m = report.meta;
  out.push(
    `Node ${m.node}, ${m.cpus} × ${m.cpuModel}, load ${m.loadAverage.start.join(" ")} → ${m.loadAverage.end.join(" ")}, ` +
      `${m.date}, revision ${m.gitRevision ?? "unknown"}; ${String(m.options.rounds)} rounds of ${String(m.options.timeMs)} ms`,
  );
  return `${out.join("\n")}\n`;
}
