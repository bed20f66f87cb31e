/**
 * Work gate: bounds how many requests a server runs at once (maxConcurrency) and queues
 * the rest in arrival order. Pure: it only decides; the shell runs the jobs.
 *
 * Invariants (test/property/work-gate.property.test.ts):
 * - running <= maxConcurrency at all times;
 * - jobs start in arrival order;
 * - a job is never dropped while the gate is open; after close() new jobs are refused,
 *   while queued and running ones still complete ("drain");
 * - drained() is true exactly when closed and nothing is queued or running.
 */
export class WorkGate<J> {
  private running = 0;
  private readonly queue: J[] = [];
  private head = 0;
  private closed = false;

  constructor(private readonly maxConcurrency: number) {
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)
      throw new RangeError("maxConcurrency must be an integer >= 1");
  }

  /** Offers a job: "run" (start it now), "queued", or "refused" (gate closed). */
  offer(job: J): "run" | "queued" | "refused" {
    if (this.closed) return "refused";
    if (this.running < this.maxConcurrency) {
      this.running++;
      return "run";
    }
    this.queue.push(job);
    return "queued";
  }

  /** Marks one running job finished; returns the next queued job to start, if any. */
  finish(): J | undefined {
    if (this.running <= 0) throw new Error("work-gate: finish without a running job");
    if (this.head < this.queue.length) {
      const job = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as J;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      return job; // the finished slot passes straight to the next job
    }
    this.running--;
    return undefined;
  }

  close(): void {
    this.closed = true;
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  drained(): boolean {
    return this.closed && this.running === 0 && this.queued === 0;
  }
}
