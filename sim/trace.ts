/**
 * Event trace: every simulated event of consequence is one record of a kind and up to four
 * integers. Records fold into `traceHash` (two 32-bit multiply-xorshift lanes, 64 bits in
 * hex), which two runs with the same seed and options must reproduce bit for bit; with a
 * line sink attached, each record is also printed as one line (format in spec/sim.md):
 *
 *   <virtual time, ms with µs> <kind> <field>=<value> ...
 *   000123.456 deliver conn=17 from=h3 to=h0 bytes=212
 *
 * Records hold integers only (host indexes, ids, byte counts), so the hash does not depend
 * on string formatting, and recording costs a few multiplications when no sink is set.
 */
export const TRACE_KINDS = {
  deliver: ["conn", "from", "to", "bytes"],
  connUp: ["conn", "from", "to"],
  connDown: ["conn", "from", "to", "lost"],
  connRetry: ["conn", "from", "to"],
  bind: ["host", "socket", "port"],
  close: ["host", "socket"],
  sendFail: ["host", "socket", "code"],
  drop: ["host", "socket", "why"],
  timer: ["host", "timer"],
  mm: ["host", "op", "ok"],
  issue: ["call", "host", "kind", "topic"],
  settle: ["call", "host", "outcome", "latencyUs"],
  exec: ["call", "host", "incarnation"],
  fault: ["index", "kind", "host", "phase"],
  process: ["host", "incarnation", "event"],
  phase: ["phase"],
  check: ["checker", "count"],
  lose: ["conn", "from", "to", "type"],
  notify: ["notification", "host", "topic", "pools"],
  notified: ["notification", "host", "outcome"],
  notifyRun: ["notification", "host", "incarnation", "requeue"],
  hbTimeout: ["conn", "host", "peer"],
  refused: ["from", "to", "reason"],
} as const;

export type TraceKind = keyof typeof TRACE_KINDS;
const KIND_NAMES = Object.keys(TRACE_KINDS) as TraceKind[];
const KIND_CODE = Object.fromEntries(KIND_NAMES.map((k, i) => [k, i + 1])) as Record<TraceKind, number>;
/** Fields that hold host indexes print as h<index>. */
const HOST_FIELDS: ReadonlySet<string> = new Set(["from", "to", "host", "peer"]);

function fmtTime(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${String(ms).padStart(6, "0")}.${String(us % 1000).padStart(3, "0")}`;
}

export class Trace {
  private h1 = 0x243f6a88;
  private h2 = 0x85a308d3;
  /** Records folded so far. */
  count = 0;
  /** When set, every record is also formatted as a line. */
  sink: ((line: string) => void) | undefined;

  constructor(private readonly clockUs: () => number) {}

  record(kind: TraceKind, a = 0, b = 0, c = 0, d = 0): void {
    this.count++;
    const t = this.clockUs();
    this.mix(KIND_CODE[kind]);
    this.mix(t);
    this.mix(a);
    this.mix(b);
    this.mix(c);
    this.mix(d);
    if (this.sink) this.sink(this.format(t, kind, [a, b, c, d]));
  }

  /** The 64-bit trace hash as 16 hex digits. */
  hash(): string {
    let a = this.h1 ^ this.count;
    let b = this.h2 ^ Math.imul(this.count, 0x9e3779b1);
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
    a ^= b >>> 7;
    b ^= a >>> 11;
    return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
  }

  private mix(v: number): void {
    const lo = v >>> 0;
    const hi = Math.floor(v / 0x1_0000_0000) >>> 0;
    let h = this.h1 ^ lo;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    this.h1 = (h ^ hi ^ (h >>> 12)) | 0;
    let g = this.h2 ^ Math.imul(lo, 0x297a2d39);
    g = Math.imul(g ^ (g >>> 13), 0x5bd1e995);
    this.h2 = (g ^ Math.imul(hi, 0x27d4eb2d) ^ (g >>> 15)) | 0;
  }

  private format(t: number, kind: TraceKind, values: number[]): string {
    const names = TRACE_KINDS[kind];
    let s = `${fmtTime(t)} ${kind}`;
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      s += HOST_FIELDS.has(n) ? ` ${n}=h${values[i]}` : ` ${n}=${values[i]}`;
    }
    return s;
  }
}
