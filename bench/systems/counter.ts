/**
 * A count of deliveries that a benchmark loop can wait on: the servers of a one-way flow
 * add to it as messages arrive, the loop waits until it reaches a number (or a time
 * limit), without polling.
 */
export class Counter {
  value = 0;
  private waiter: { target: number; resolve: (reached: boolean) => void; timer: NodeJS.Timeout } | undefined;

  add(n = 1): void {
    this.value += n;
    const w = this.waiter;
    if (w !== undefined && this.value >= w.target) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }

  /** Resolves true once the count is at least `target`, false after `limitMs` without it. One waiter at a time. */
  atLeast(target: number, limitMs: number): Promise<boolean> {
    if (this.value >= target) return Promise.resolve(true);
    if (this.waiter !== undefined) throw new Error("Counter: one waiter at a time");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, limitMs);
      this.waiter = { target, resolve, timer };
    });
  }
}
