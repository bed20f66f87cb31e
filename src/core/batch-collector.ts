/**
 * Batch collector of a batch notification listener (oslo get_batch_notification_listener,
 * batch_size and batch_timeout): notifications are handed to the endpoints in batches of
 * at most `size`, a batch leaving when it is full or `timeoutMs` after its first
 * notification arrived, whichever comes first. Pure: the shell passes the time in, arms
 * one timer at `wakeAtMs` and calls `due` when it fires.
 */
export class BatchCollector<T> {
  private items: T[] = [];
  private firstAtMs = 0;

  /** `size` >= 1; `timeoutMs` >= 0 (0: every notification leaves alone unless a full batch forms first). */
  constructor(
    readonly size: number,
    readonly timeoutMs: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be an integer >= 1, got ${size}`);
    if (!(timeoutMs >= 0)) throw new RangeError(`batch timeout must be >= 0 ms, got ${timeoutMs}`);
  }

  /** Notifications waiting in the batch being collected. */
  get waiting(): number {
    return this.items.length;
  }

  /** When the batch being collected must leave, or undefined when it is empty. */
  get wakeAtMs(): number | undefined {
    return this.items.length === 0 ? undefined : this.firstAtMs + this.timeoutMs;
  }

  /** Adds `item` at `nowMs`; returns the batch when it is full now. */
  add(item: T, nowMs: number): T[] | undefined {
    if (this.items.length === 0) this.firstAtMs = nowMs;
    this.items.push(item);
    return this.items.length >= this.size ? this.take() : undefined;
  }

  /** The batch when its time has come at `nowMs`, else undefined. */
  due(nowMs: number): T[] | undefined {
    const at = this.wakeAtMs;
    return at !== undefined && nowMs >= at ? this.take() : undefined;
  }

  /** The batch being collected, whatever its size and age (a stopping listener); undefined when empty. */
  flush(): T[] | undefined {
    return this.items.length === 0 ? undefined : this.take();
  }

  private take(): T[] {
    const batch = this.items;
    this.items = [];
    return batch;
  }
}
