/**
 * Reading what the client processes report: how calls ended (CallOutcome, client-process.ts)
 * and where their requests went (SendRecord, send-recorder.ts). Times are epoch ms with
 * sub-millisecond precision, comparable between the test and its child processes.
 */
import { addressOf } from "../../support/host-address.js";
import type { CallOutcome } from "./client-process.js";
import type { SendRecord } from "./send-recorder.js";

export type { CallOutcome } from "./client-process.js";
export type { ConnectionRecord, SendRecord } from "./send-recorder.js";

/** Calls answered, per server name. */
export function answeredBy(outcomes: readonly CallOutcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) if (o.ok) out[o.server!] = (out[o.server!] ?? 0) + 1;
  return out;
}

/** The outcomes of calls started in [fromMs, toMs). */
export function startedBetween(outcomes: readonly CallOutcome[], fromMs: number, toMs: number): CallOutcome[] {
  return outcomes.filter((o) => o.startMs >= fromMs && o.startMs < toMs);
}

/** First sends (routing decisions: picks and moves) of calls to `host` (a matchmaker entry or its address: records hold the address). */
export function routedTo(sends: readonly SendRecord[], host: string): SendRecord[] {
  const address = addressOf(host);
  return sends.filter((s) => s.host === address && !s.resend);
}

/**
 * When `host` left the client's routing after a fault at `faultMs`: the time of the last
 * routing decision to it made after the fault (the fault time itself if none was), and
 * how many there were. A decision made before `untilMs` only counts: a healed host may be
 * chosen again later.
 */
export function routingExit(
  sends: readonly SendRecord[],
  host: string,
  faultMs: number,
  untilMs = Number.POSITIVE_INFINITY,
): { lastMs: number; afterFaultMs: number; picks: number } {
  const picks = routedTo(sends, host).filter((s) => s.atMs >= faultMs && s.atMs < untilMs);
  const lastMs = picks.length === 0 ? faultMs : picks[picks.length - 1]!.atMs;
  return { lastMs, afterFaultMs: lastMs - faultMs, picks: picks.length };
}

/** The first routing decision to `host` at or after `fromMs`, if any. */
export function firstRoutedAfter(sends: readonly SendRecord[], host: string, fromMs: number): SendRecord | undefined {
  return routedTo(sends, host).find((s) => s.atMs >= fromMs);
}

/** The hosts each call's requests went to, by call id. */
export function hostsByCall(sends: readonly SendRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of sends) {
    if (s.callId === undefined) continue;
    const set = out.get(s.callId) ?? new Set<string>();
    set.add(s.host);
    out.set(s.callId, set);
  }
  return out;
}

/** One call's story for diagnostics: each send (ms after the call started, host, resend or not) and its end. */
export function describeCall(o: CallOutcome, sends: readonly SendRecord[]): string {
  const route = sends
    .filter((s) => s.callId === o.id)
    .map((s) => `${(s.atMs - o.startMs).toFixed(0)} ms ${s.resend ? "resend" : "send"} to ${s.host}`);
  const end = o.ok ? `answered by ${o.server}` : `${String(o.error?.name)}: ${String(o.error?.message)}`;
  return `${o.id}: ${route.join(", ")}; after ${(o.endMs - o.startMs).toFixed(0)} ms ${end}`;
}

/** A short summary for diagnostics: count, failures, per-server answers, slowest call. */
export function describeOutcomes(outcomes: readonly CallOutcome[]): string {
  const failed = outcomes.filter((o) => !o.ok);
  const slowest = Math.max(0, ...outcomes.map((o) => o.endMs - o.startMs));
  return `${outcomes.length} calls, ${failed.length} failed, answered by ${JSON.stringify(answeredBy(outcomes))}, slowest ${Math.round(slowest)} ms`;
}

/** Resolves after `ms` of real time: the tests hold a fault for a span, they wait for nothing else this way. */
export const hold = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true; resolves with the time it did, rejects after `limitMs`. */
export async function until(probe: () => Promise<boolean>, limitMs: number, everyMs = 50): Promise<number> {
  const end = performance.timeOrigin + performance.now() + limitMs;
  for (;;) {
    if (await probe().catch(() => false)) return performance.timeOrigin + performance.now();
    if (performance.timeOrigin + performance.now() > end) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
