/**
 * Rows of numbers in growable Float64Array columns: the history logs record one row per
 * event of a run (a million and more), and typed arrays keep them off the JavaScript heap,
 * where they would cost the garbage collector on every major collection. Appending is
 * amortized O(1) (capacity doubles).
 */
export class Columns {
  private cols: Float64Array[];
  size = 0;

  constructor(
    readonly width: number,
    initialRows = 1024,
  ) {
    this.cols = Array.from({ length: width }, () => new Float64Array(initialRows));
  }

  /** Appends a row of `width` values (extra arguments are ignored, missing ones are 0). */
  push(a: number, b = 0, c = 0, d = 0): void {
    if (this.size === this.cols[0]!.length) this.grow();
    const i = this.size++;
    this.cols[0]![i] = a;
    if (this.width > 1) this.cols[1]![i] = b;
    if (this.width > 2) this.cols[2]![i] = c;
    if (this.width > 3) this.cols[3]![i] = d;
  }

  /** Column `c` up to the current size (a view: no copy). */
  column(c: number): Float64Array {
    return this.cols[c]!.subarray(0, this.size);
  }

  private grow(): void {
    this.cols = this.cols.map((old) => {
      const next = new Float64Array(old.length * 2);
      next.set(old);
      return next;
    });
  }
}
