/**
 * The faults as they actually happened: when each action started and ended, pauses per
 * host (checkers allow a paused caller's timers to fire late by the paused time), and
 * crashes with the addresses the dead process had registered.
 */
import type { FaultAction } from "../faults/actions.js";

export interface AppliedFault {
  readonly index: number;
  readonly action: FaultAction;
  readonly startUs: number;
  endUs: number;
}

export interface CrashRecord {
  readonly host: number;
  readonly incarnation: number;
  readonly atUs: number;
  /** The server address the dead process had bound, if it ran a server. */
  readonly address: string | undefined;
  readonly keys: readonly string[];
}

/**
 * A process incarnation that ended before the run did: it crashed, or it began to stop for
 * a graceful restart (its server refuses new work from then on; the stop itself may finish
 * much later, even after the checks).
 */
export interface EndedIncarnation {
  readonly host: number;
  readonly incarnation: number;
  /** The crash, or the beginning of the stop. */
  readonly atUs: number;
  readonly how: "crash" | "stop";
}

export class FaultLog {
  readonly applied: AppliedFault[] = [];
  readonly crashes: CrashRecord[] = [];
  readonly ended: EndedIncarnation[] = [];
  private readonly pauses = new Map<number, { startUs: number; endUs: number }[]>();
  healedAtUs = NaN;

  started(index: number, action: FaultAction, atUs: number): AppliedFault {
    const f: AppliedFault = { index, action, startUs: atUs, endUs: NaN };
    this.applied.push(f);
    return f;
  }

  pauseStarted(host: number, atUs: number): void {
    let list = this.pauses.get(host);
    if (!list) {
      list = [];
      this.pauses.set(host, list);
    }
    list.push({ startUs: atUs, endUs: Infinity });
  }

  pauseEnded(host: number, atUs: number): void {
    const list = this.pauses.get(host);
    const last = list?.[list.length - 1];
    if (last && last.endUs === Infinity) last.endUs = atUs;
  }

  /** Whether the incarnation ended (crashed or began a graceful stop) at any time in the run. */
  endedEver(host: number, incarnation: number): boolean {
    return this.ended.some((e) => e.host === host && e.incarnation === incarnation);
  }

  /** Virtual µs during which `host` was paused within [fromUs, toUs]. */
  pausedUs(host: number, fromUs: number, toUs: number): number {
    let total = 0;
    for (const p of this.pauses.get(host) ?? []) {
      const a = Math.max(fromUs, p.startUs);
      const b = Math.min(toUs, p.endUs);
      if (b > a) total += b - a;
    }
    return total;
  }
}
