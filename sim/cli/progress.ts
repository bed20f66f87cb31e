/**
 * Progress bar on stderr for long runs. It reads the wall clock only to throttle its own
 * output; nothing it does reaches the simulation.
 */
import { performance } from "node:perf_hooks";

export class ProgressBar {
  private lastDraw = 0;
  private readonly start = performance.now();

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(fraction: number): void {
    const now = performance.now();
    if (now - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = now;
    const f = Math.max(0, Math.min(1, fraction));
    const width = 30;
    const done = Math.round(f * width);
    const secs = ((now - this.start) / 1000).toFixed(1);
    this.out.write(
      `\r${this.label} [${"#".repeat(done)}${".".repeat(width - done)}] ${(f * 100).toFixed(0).padStart(3)}%  ${secs} s`,
    );
  }

  done(): void {
    this.out.write(`\r${" ".repeat(70)}\r`);
  }
}

/** Whether to draw progress: as asked, else when stderr is a terminal. */
export function showProgress(asked: boolean | undefined): boolean {
  return asked ?? process.stderr.isTTY === true;
}
