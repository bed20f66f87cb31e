/**
 * How a load client learns what the servers received (spec/load.md, "Lost-message
 * accounting"): it calls `load_stats({ run })` on the control target until it has an
 * answer from as many distinct servers as the matchmaker lists for that target (round
 * robin spreads the calls over them), and repeats this until the servers' total reaches
 * what they should have received, or stops changing for `settleMs`.
 */
import type { Clock } from "../ports/clock.js";
import { sleepOn } from "../ports/clock.js";
import type { ServerCount } from "./run-stats.js";
import { isStatsAnswer, STATS_METHOD } from "./server-counts.js";

export interface PollConfig {
  clock: Clock;
  run: string;
  /** How many servers the matchmaker lists for the control target now. */
  serverCount(): Promise<number>;
  /** Calls load_stats on the control target (one server, round robin). */
  ask(method: string, args: { run: string }): Promise<unknown>;
  /** The total the servers should reach; a fanout's per server (`expectedPerServer`) when set. */
  expected: number;
  expectedPerServer?: number;
  settleMs: number;
  /** Pause between two rounds. @default 100 */
  pauseMs?: number;
}

export interface PollResult {
  servers: ServerCount[];
  received: number;
  /** Servers listed (the last round). */
  listed: number;
}

/** One answer from each listed server (at most 4 calls per server; none when none is listed), by server name. */
async function round(cfg: PollConfig): Promise<{ servers: Map<string, number>; listed: number }> {
  const listed = await cfg.serverCount();
  const servers = new Map<string, number>();
  for (let i = 0; i < listed * 4 && servers.size < listed; i++) {
    try {
      const a = await cfg.ask(STATS_METHOD, { run: cfg.run });
      if (isStatsAnswer(a)) servers.set(a.server, a.received);
    } catch {
      // A server gone or too slow: no answer from it in this round.
    }
  }
  return { servers, listed };
}

export async function pollServerCounts(cfg: PollConfig): Promise<PollResult> {
  let best: PollResult = { servers: [], received: 0, listed: 0 };
  let lastTotal = -1;
  let stableSince = cfg.clock.nowMs();
  for (;;) {
    const { servers, listed } = await round(cfg);
    const list = [...servers]
      .map(([server, received]) => ({ server, received }))
      .sort((a, b) => (a.server < b.server ? -1 : 1));
    const received = list.reduce((n, s) => n + s.received, 0);
    best = { servers: list, received, listed };
    const target = cfg.expectedPerServer !== undefined ? cfg.expectedPerServer * listed : cfg.expected;
    if (received >= target) return best;
    const now = cfg.clock.nowMs();
    if (received !== lastTotal) {
      lastTotal = received;
      stableSince = now;
    } else if (now - stableSince >= cfg.settleMs) return best;
    await sleepOn(cfg.clock, cfg.pauseMs ?? 100);
  }
}
