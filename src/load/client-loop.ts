/**
 * The sending loop both load clients share (spec/load.md, "Modes"): `concurrency` workers
 * each send one message, wait for its outcome, and send the next, until `count` messages
 * were sent or `durationMs` passed; every outcome goes to the RunRecorder. Progress is
 * reported every `tickMs` on the Clock port. Time and timers come from the Clock port.
 */
import { MessagingTimeout } from "../errors.js";
import type { Clock } from "../ports/clock.js";
import type { ProgressState } from "./progress.js";
import { RunRecorder } from "./run-stats.js";

export interface LoopConfig {
  clock: Clock;
  concurrency: number;
  count?: number;
  durationMs?: number;
  /** The payloads, sent in order and cycled. */
  payloads: readonly string[];
  /** Sends message `seq` with `payload`; resolves when it completed (reply, or the driver accepted it). */
  send(seq: number, payload: string): Promise<unknown>;
  /** Whether completion carries a latency (calls). */
  measureLatency: boolean;
  progress?: { tickMs: number; report(s: ProgressState): void };
  /** True once the run must end early (SIGINT, SIGTERM): no new message is sent; those in flight finish. */
  stopped?(): boolean;
}

/** "timeout" for the driver's MessagingTimeout, "error" for anything else. */
export function failureKind(err: unknown): "timeout" | "error" {
  return err instanceof MessagingTimeout ? "timeout" : "error";
}

/** Runs the loop; resolves with the recorder once every message sent has completed or failed. */
export async function runClientLoop(cfg: LoopConfig): Promise<RunRecorder> {
  const { clock } = cfg;
  const rec = new RunRecorder(clock.nowMs());
  let next = 0;
  const more = (): boolean =>
    cfg.stopped?.() === true
      ? false
      : cfg.count !== undefined
        ? next < cfg.count
        : clock.nowMs() - rec.startMs < (cfg.durationMs ?? 0);
  const worker = async (): Promise<void> => {
    while (more()) {
      const seq = next++;
      const payload = cfg.payloads[seq % cfg.payloads.length]!;
      const t0 = clock.nowMs();
      rec.onSent();
      try {
        await cfg.send(seq, payload);
        const now = clock.nowMs();
        rec.onCompleted(now, payload.length, cfg.measureLatency ? now - t0 : undefined);
      } catch (err) {
        rec.onFailed(
          clock.nowMs(),
          failureKind(err),
          err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        );
      }
    }
  };
  let timer: number | undefined;
  let last = { at: rec.startMs, completed: 0 };
  const tick = (): void => {
    const p = cfg.progress;
    if (!p) return;
    const now = clock.nowMs();
    const done = rec.completed + rec.timeouts + rec.errors;
    const rate = now > last.at ? ((rec.completed - last.completed) * 1000) / (now - last.at) : 0;
    last = { at: now, completed: rec.completed };
    p.report({
      done,
      ...(cfg.count !== undefined ? { total: cfg.count } : {}),
      ...(cfg.durationMs !== undefined ? { durationMs: cfg.durationMs } : {}),
      elapsedMs: now - rec.startMs,
      rate,
      failed: rec.timeouts + rec.errors,
    });
    timer = clock.setTimer(p.tickMs, tick);
  };
  if (cfg.progress) timer = clock.setTimer(cfg.progress.tickMs, tick);
  try {
    await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  } finally {
    if (timer !== undefined) clock.clearTimer(timer);
  }
  return rec;
}
