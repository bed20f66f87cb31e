/**
 * What a load server counts, and the control RPC through which a client reads it
 * (spec/load.md, "Lost-message accounting").
 *
 * Every load message carries its client's run id (`run`, random per client process), so
 * several clients can load the same servers and each still counts its own losses. A server
 * counts messages and payload bytes per run; `load_stats({ run })` answers the counts of
 * one run with the server's name. Pure: no I/O.
 */

/** The arguments of every load message (a call, a cast or a notification payload). */
export interface LoadMessage {
  run: string;
  seq: number;
  payload: string;
}

/** The method a load message calls, and the control method answering a run's counts. */
export const LOAD_METHOD = "load";
export const STATS_METHOD = "load_stats";

/** The answer of `load_stats`. */
export interface StatsAnswer {
  server: string;
  run: string;
  received: number;
  bytes: number;
}

/** Runs remembered per server; the oldest is forgotten beyond this. */
export const MAX_RUNS = 10_000;

/** The topic of a notify-server's control RPC server (a notification topic has no RPC servers of its own). */
export function controlTopic(topic: string): string {
  return `load-control.${topic}`;
}

export class RunCounts {
  private readonly runs = new Map<string, { received: number; bytes: number }>();
  received = 0;
  bytes = 0;

  /** Counts one message of `args` (anything a peer sent: a malformed one counts under run ""). */
  add(args: unknown): void {
    const a = (typeof args === "object" && args !== null ? args : {}) as Partial<LoadMessage>;
    const run = typeof a.run === "string" ? a.run : "";
    const bytes = typeof a.payload === "string" ? a.payload.length : 0;
    let c = this.runs.get(run);
    if (c === undefined) {
      if (this.runs.size >= MAX_RUNS) this.runs.delete(this.runs.keys().next().value!);
      c = { received: 0, bytes: 0 };
      this.runs.set(run, c);
    }
    c.received++;
    c.bytes += bytes;
    this.received++;
    this.bytes += bytes;
  }

  /** The answer of `load_stats` for `run`. */
  answer(server: string, run: unknown): StatsAnswer {
    const r = typeof run === "string" ? run : "";
    const c = this.runs.get(r) ?? { received: 0, bytes: 0 };
    return { server, run: r, received: c.received, bytes: c.bytes };
  }

  get runCount(): number {
    return this.runs.size;
  }

  /** What a server prints when it stops. */
  summary(
    mode: string,
    server: string,
  ): { mode: string; server: string; received: number; bytes: number; runs: number } {
    return { mode, server, received: this.received, bytes: this.bytes, runs: this.runs.size };
  }
}

/** Whether `x` is a well-formed `load_stats` answer (it came from a peer). */
export function isStatsAnswer(x: unknown): x is StatsAnswer {
  const a = x as Partial<StatsAnswer> | null;
  return (
    typeof a === "object" &&
    a !== null &&
    typeof a.server === "string" &&
    typeof a.received === "number" &&
    Number.isSafeInteger(a.received) &&
    a.received >= 0
  );
}
