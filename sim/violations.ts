/** Violations found by the checkers: every one counted, the first few per checker kept in detail. */
export interface Violation {
  checker: string;
  message: string;
  /** Virtual time (µs) the violation refers to, when it has one. */
  atUs?: number;
  /** Request index (CallLog), when it concerns one request. */
  call?: number;
}

export class Violations {
  private readonly kept: Violation[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly detailsPerChecker = 20) {}

  add(v: Violation): void {
    const n = (this.counts.get(v.checker) ?? 0) + 1;
    this.counts.set(v.checker, n);
    if (n <= this.detailsPerChecker) this.kept.push(v);
  }

  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  /** Kept details, and a summary line per checker whose count exceeded the detail limit. */
  list(): Violation[] {
    const out = [...this.kept];
    for (const [checker, n] of this.counts) {
      if (n > this.detailsPerChecker) out.push({ checker, message: `... and ${n - this.detailsPerChecker} more` });
    }
    return out;
  }

  byChecker(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
