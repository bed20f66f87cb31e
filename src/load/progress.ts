/**
 * The client's progress line (spec/load.md, "Output"): a bar redrawn in place on a
 * terminal, or a plain line for logs. Pure: formatting only; the client writes it to
 * stderr on a timer.
 */

export interface ProgressState {
  /** Messages completed or failed so far. */
  done: number;
  /** Messages to send (--count), or undefined with --duration-ms. */
  total?: number;
  elapsedMs: number;
  /** --duration-ms, when the run is timed. */
  durationMs?: number;
  /** Completions per second since the last line. */
  rate: number;
  failed: number;
}

/** How far the run is, 0..1. */
export function fraction(s: ProgressState): number {
  const f = s.total !== undefined ? s.done / s.total : s.durationMs !== undefined ? s.elapsedMs / s.durationMs : 0;
  return Math.max(0, Math.min(1, f));
}

const int = (n: number): string => Math.round(n).toLocaleString("en-US");

function counts(s: ProgressState): string {
  const of = s.total !== undefined ? `/${int(s.total)}` : "";
  return `${int(s.done)}${of} msgs, ${int(s.rate)} msgs/s, ${s.failed} failed, ${(s.elapsedMs / 1000).toFixed(1)} s`;
}

/** A bar for a terminal: `[#########...........]  45% 450/1000 msgs, …` (no newline; the caller returns the carriage). */
export function progressBar(s: ProgressState, width = 30): string {
  const f = fraction(s);
  const filled = Math.round(f * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}% ${counts(s)}`;
}

/** A line for a log: `load: 450/1000 msgs, 1,234 msgs/s, 0 failed, 3.2 s`. */
export function progressLine(s: ProgressState): string {
  return `load: ${counts(s)}`;
}
