/**
 * The chart of a load run (spec/load.md, "Chart"): messages per second (top) and call
 * latency p50 and p99 (bottom) over time, one point per second, as a self-contained SVG
 * document written by hand (no browser, no library). Pure: a function from the series to
 * a string.
 */
import type { SecondPoint } from "./run-stats.js";

export interface ChartInput {
  title: string;
  /** A second line under the title: the parameters of the run. */
  subtitle: string;
  series: readonly SecondPoint[];
}

const WIDTH = 900;
const HEIGHT = 600;
const LEFT = 80;
const RIGHT = 30;
const PLOT_W = WIDTH - LEFT - RIGHT;
/** Top and height of each panel. */
const RATE_PANEL = { top: 90, height: 190 };
const LATENCY_PANEL = { top: 350, height: 190 };
/** Series with at most this many points get a dot per point. */
const MAX_DOTS = 120;

/** Text as XML character data or an attribute value. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 0 and "nice" steps (1, 2, 5 × 10^k) up to at least `max`: the axis ticks. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  // Below a microsecond (values are ms or messages) the axis shows 0..0.001.
  const raw = Math.max(max, 0.001) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

const num = (n: number): string => (Math.round(n * 10) / 10).toString();

function label(v: number): string {
  if (v >= 1e6) return `${num(v / 1e6)}M`;
  if (v >= 1e4) return `${num(v / 1e3)}k`;
  return Number(v.toPrecision(6)).toString();
}

interface Line {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
}

function panel(
  top: number,
  height: number,
  xMax: number,
  yLabel: string,
  lines: readonly Line[],
  empty: string,
): string {
  const yMax = Math.max(0, ...lines.flatMap((l) => l.points.map(([, y]) => y)));
  const ticks = niceTicks(yMax);
  const yTop = ticks[ticks.length - 1]!;
  const xTicks = niceTicks(xMax, 10);
  const xRange = xTicks[xTicks.length - 1]!;
  const x = (s: number): number => LEFT + (s / xRange) * PLOT_W;
  const y = (v: number): number => top + height - (v / yTop) * height;
  const out: string[] = [];
  out.push(`<g class="panel">`);
  out.push(`<rect x="${LEFT}" y="${top}" width="${PLOT_W}" height="${height}" fill="none" stroke="#999"/>`);
  for (const t of ticks) {
    out.push(`<line x1="${LEFT}" y1="${num(y(t))}" x2="${LEFT + PLOT_W}" y2="${num(y(t))}" stroke="#eee"/>`);
    out.push(`<text x="${LEFT - 6}" y="${num(y(t) + 4)}" text-anchor="end">${label(t)}</text>`);
  }
  for (const t of xTicks)
    out.push(`<text x="${num(x(t))}" y="${top + height + 16}" text-anchor="middle">${label(t)}</text>`);
  out.push(`<text x="${LEFT + PLOT_W / 2}" y="${top + height + 34}" text-anchor="middle">time (s)</text>`);
  out.push(
    `<text transform="translate(20 ${top + height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  const drawn = lines.filter((l) => l.points.length > 0);
  if (drawn.length === 0)
    out.push(`<text x="${LEFT + PLOT_W / 2}" y="${top + height / 2}" text-anchor="middle">${escapeXml(empty)}</text>`);
  drawn.forEach((l, i) => {
    const pts = l.points.map(([s, v]) => `${num(x(s))},${num(y(v))}`).join(" ");
    out.push(
      `<polyline class="series" data-series="${escapeXml(l.name)}" fill="none" stroke="${l.color}" stroke-width="2" points="${pts}"/>`,
    );
    // Dots as well: a run of one second is one point, which a polyline does not show.
    if (l.points.length <= MAX_DOTS)
      for (const [px, py] of l.points)
        out.push(`<circle cx="${num(x(px))}" cy="${num(y(py))}" r="2.5" fill="${l.color}"/>`);
    const lx = LEFT + 10 + i * 120;
    out.push(
      `<line x1="${lx}" y1="${top - 10}" x2="${lx + 20}" y2="${top - 10}" stroke="${l.color}" stroke-width="2"/>`,
    );
    out.push(`<text x="${lx + 26}" y="${top - 6}">${escapeXml(l.name)}</text>`);
  });
  out.push("</g>");
  return out.join("\n");
}

/** The whole SVG document. Each second is drawn at its middle (second + 0.5). */
export function renderChart(input: ChartInput): string {
  const s = input.series;
  const xMax = Math.max(1, s.length);
  const at = (p: SecondPoint): number => p.second + 0.5;
  const rate: Line = { name: "msgs/s", color: "#1f77b4", points: s.map((p) => [at(p), p.msgsPerSec] as const) };
  const p50: Line = {
    name: "p50",
    color: "#2ca02c",
    points: s.flatMap((p) => (p.p50Ms === undefined ? [] : [[at(p), p.p50Ms] as const])),
  };
  const p99: Line = {
    name: "p99",
    color: "#d62728",
    points: s.flatMap((p) => (p.p99Ms === undefined ? [] : [[at(p), p.p99Ms] as const])),
  };
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(input.title)}</text>`,
    `<text x="${WIDTH / 2}" y="44" text-anchor="middle">${escapeXml(input.subtitle)}</text>`,
    panel(RATE_PANEL.top, RATE_PANEL.height, xMax, "messages per second", [rate], "no messages"),
    panel(
      LATENCY_PANEL.top,
      LATENCY_PANEL.height,
      xMax,
      "call latency (ms)",
      [p50, p99],
      "no call latency (casts and notifications have none)",
    ),
    "</svg>",
    "",
  ].join("\n");
}
