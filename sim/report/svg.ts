/**
 * Minimal SVG drawing for the report: a canvas with a plot area, linear axes with ticks,
 * rectangles, lines and text. Written by hand (no chart library, no network); output is
 * plain SVG 1.1 that any browser renders inline.
 */
export const COLORS = {
  replied: "#2f855a",
  timedOut: "#d69e2e",
  failed: "#c53030",
  axis: "#4a5568",
  grid: "#e2e8f0",
  text: "#1a202c",
  accent: "#2b6cb0",
};

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const num = (n: number): string => (Math.round(n * 100) / 100).toString();

/** "Nice" tick values covering [0, max]. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export class Svg {
  private readonly parts: string[] = [];
  readonly plot: { x: number; y: number; w: number; h: number };

  constructor(
    readonly width: number,
    readonly height: number,
    readonly title: string,
    margin = { left: 60, right: 20, top: 36, bottom: 44 },
  ) {
    this.plot = {
      x: margin.left,
      y: margin.top,
      w: width - margin.left - margin.right,
      h: height - margin.top - margin.bottom,
    };
    this.text(width / 2, 20, title, { anchor: "middle", size: 15, weight: "bold" });
  }

  rect(x: number, y: number, w: number, h: number, fill: string, tip?: string, opacity = 1): void {
    if (w <= 0 || h <= 0) return;
    const t = tip ? `<title>${esc(tip)}</title>` : "";
    this.parts.push(
      `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${fill}" fill-opacity="${opacity}">${t}</rect>`,
    );
  }

  line(x1: number, y1: number, x2: number, y2: number, stroke: string, dash = ""): void {
    this.parts.push(
      `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}" stroke-width="1"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
    );
  }

  text(
    x: number,
    y: number,
    s: string,
    o: { anchor?: "start" | "middle" | "end"; size?: number; weight?: string; fill?: string; rotate?: boolean } = {},
  ): void {
    const rot = o.rotate ? ` transform="rotate(-90 ${num(x)} ${num(y)})"` : "";
    this.parts.push(
      `<text x="${num(x)}" y="${num(y)}" font-family="sans-serif" font-size="${o.size ?? 11}" text-anchor="${o.anchor ?? "start"}" fill="${o.fill ?? COLORS.text}"${o.weight ? ` font-weight="${o.weight}"` : ""}${rot}>${esc(s)}</text>`,
    );
  }

  /** Y axis with grid lines for values in [0, max]; returns the value-to-pixel mapping. */
  yAxis(max: number, label: string): (v: number) => number {
    const p = this.plot;
    const top = Math.max(max, 1e-9);
    const y = (v: number): number => p.y + p.h - (v / top) * p.h;
    for (const t of ticks(top)) {
      if (t > top * 1.0001) continue;
      this.line(p.x, y(t), p.x + p.w, y(t), COLORS.grid);
      this.text(p.x - 6, y(t) + 4, fmt(t), { anchor: "end" });
    }
    this.line(p.x, p.y, p.x, p.y + p.h, COLORS.axis);
    this.text(p.x - 44, p.y + p.h / 2, label, { anchor: "middle", rotate: true });
    return y;
  }

  /** X axis for [min, max] with labels from `label`; returns the value-to-pixel mapping. */
  xAxis(min: number, max: number, title: string, label: (v: number) => string = fmt): (v: number) => number {
    const p = this.plot;
    const span = Math.max(max - min, 1e-9);
    const x = (v: number): number => p.x + ((v - min) / span) * p.w;
    this.line(p.x, p.y + p.h, p.x + p.w, p.y + p.h, COLORS.axis);
    const step = ticks(span)[1] ?? span;
    for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
      this.line(x(v), p.y + p.h, x(v), p.y + p.h + 4, COLORS.axis);
      this.text(x(v), p.y + p.h + 16, label(Math.round(v / step) * step), { anchor: "middle" });
    }
    this.text(p.x + p.w / 2, this.height - 8, title, { anchor: "middle" });
    return x;
  }

  legend(items: { label: string; color: string }[]): void {
    let x = this.plot.x + this.plot.w;
    for (const it of [...items].reverse()) {
      const w = 18 + it.label.length * 6.5;
      x -= w;
      this.rect(x, 8, 10, 10, it.color);
      this.text(x + 14, 17, it.label);
    }
  }

  raw(s: string): void {
    this.parts.push(s);
  }

  toString(): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" role="img" aria-label="${esc(this.title)}"><rect width="100%" height="100%" fill="#fff"/>${this.parts.join("")}</svg>`;
  }
}

export function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6) return `${num(v / 1e6)}M`;
  if (a >= 1e4) return `${num(v / 1e3)}k`;
  if (a >= 100) return `${Math.round(v)}`;
  if (a >= 1) return `${num(v)}`;
  return v.toPrecision(2);
}
