/**
 * Auto-run mode: keeps the scheduler running in the background while ordinary async test
 * code drives the simulation (the socket contract suite awaits simulated sockets the way
 * it awaits real ones). When the queue empties the loop parks until something is
 * scheduled again. Virtual time still only moves from event to event; a test that awaits
 * something nothing will ever cause simply waits, as it would on real sockets, so such
 * awaits must race a virtual-time sleep.
 */
import type { Scheduler } from "./scheduler.js";

export class AutoRunner {
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly scheduler: Scheduler) {}

  start(): void {
    if (this.loop) return;
    this.scheduler.onScheduleWhileIdle = () => {
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
    await this.loop;
    this.scheduler.onScheduleWhileIdle = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const outcome = await this.scheduler.run({ stop: () => this.stopped });
      if (outcome !== "idle" || this.stopped) continue;
      if (this.scheduler.pending > 0) continue;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
