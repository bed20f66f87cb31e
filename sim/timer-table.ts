/**
 * A process clock's armed timers by id: an open-addressing hash table (linear probing,
 * backward-shift deletion, power-of-two capacity, doubled at half load). Timer ids are
 * positive integers handed out in sequence, so `id & mask` spreads them without hashing.
 *
 * Why not a Map: the driver arms and clears a timer on nearly every request, and a Map
 * with that churn (few live keys, ever new ones) keeps filling its table with deleted
 * entries and reallocating it. Here a slot is reused in place.
 */
/** Ids this table can hold: positive 32-bit integers (0 marks an empty slot). */
function isKey(id: number): boolean {
  return id > 0 && (id | 0) === id;
}

export class TimerTable<V> {
  /** 0: empty slot (ids start at 1). */
  private keys = new Int32Array(16);
  private vals: (V | undefined)[] = new Array<V | undefined>(16).fill(undefined);
  private mask = 15;
  private n = 0;

  get size(): number {
    return this.n;
  }

  get(id: number): V | undefined {
    if (!isKey(id)) return undefined;
    const keys = this.keys;
    for (let i = id & this.mask; ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === id) return this.vals[i];
      if (k === 0) return undefined;
    }
  }

  /** Adds a new id (ids are never set twice). */
  set(id: number, v: V): void {
    if (!isKey(id)) throw new RangeError(`timer id ${id} is not a positive 32-bit integer`);
    if (2 * (this.n + 1) > this.keys.length) this.grow();
    const keys = this.keys;
    let i = id & this.mask;
    while (keys[i] !== 0) i = (i + 1) & this.mask;
    keys[i] = id;
    this.vals[i] = v;
    this.n++;
  }

  /** Removes `id`; returns its value, or undefined when it was not there. */
  delete(id: number): V | undefined {
    if (!isKey(id)) return undefined;
    const keys = this.keys;
    const mask = this.mask;
    let i = id & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === id) break;
      if (k === 0) return undefined;
      i = (i + 1) & mask;
    }
    const v = this.vals[i];
    this.n--;
    // Backward shift: move later entries of the probe run into the hole when their home
    // slot does not lie (cyclically) between the hole and their position.
    let hole = i;
    for (let j = (i + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const home = keys[j]! & mask;
      const inRun = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRun) continue;
      keys[hole] = keys[j]!;
      this.vals[hole] = this.vals[j];
      hole = j;
    }
    keys[hole] = 0;
    this.vals[hole] = undefined;
    return v;
  }

  /** Every value, in slot order (no particular order). */
  values(): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== 0) out.push(this.vals[i]!);
    return out;
  }

  clear(): void {
    this.keys.fill(0);
    this.vals.fill(undefined);
    this.n = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const cap = oldKeys.length * 2;
    this.keys = new Int32Array(cap);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.n = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.set(oldKeys[i]!, oldVals[i]!);
  }
}
