/**
 * Bookkeeping for test/redis/sigstop-failover.acceptance.test.ts: the requests of the burst
 * sent while a server is frozen and how each ended, the change of a child's counters
 * between two reports, and waiting for a thawed child to have read what its sockets
 * buffered while it was frozen.
 */
import type { ServerReport } from "./children.js";

/** One request of the burst, as sent. */
export interface Sent {
  /** The id "run" records where it runs (also the request's only argument). */
  id: string;
  kind: "idempotent" | "once";
  /** performance.now() just before the call. */
  startMs: number;
  /** Date.now() + timeout, taken just before the call: the deadline the client sends, within a millisecond. */
  deadline: number;
  promise: Promise<unknown>;
}

/** How a request of the burst ended, and how long after it was sent. */
export type Outcome = Omit<Sent, "promise"> & { elapsedMs: number } & (
    | { ok: true; value: unknown; error?: undefined }
    | { ok: false; error: unknown; value?: undefined }
  );

/** The counters of one topic's server that say what became of the requests it read. */
export interface Counters {
  received: number;
  handled: number;
  expired: number;
  duplicates: number;
}

/** The change of `topic`'s counters from report `a` to report `b` of the same child. */
export function countersSince(a: ServerReport, b: ServerReport, topic: string): Counters {
  const sa = a.topics[topic]!.stats;
  const sb = b.topics[topic]!.stats;
  return {
    received: sb.received - sa.received,
    handled: sb.handled - sa.handled,
    expired: sb.expired - sa.expired,
    duplicates: sb.duplicates - sa.duplicates,
  };
}

/** Reports this many times in a row, QUIET_GAP_MS apart, with the same counts, to call a child drained. */
const QUIET_REPORTS = 5;
const QUIET_GAP_MS = 100;

/**
 * The report of a thawed child once it has read what its `topics`' sockets buffered while
 * it was frozen. Nothing sends to those topics any more and the buffered frames wait in its
 * kernel socket buffers when it runs again, so it reads them within milliseconds; no port
 * says when it has, so the child counts as drained when the received counts of `topics`
 * stay the same over QUIET_REPORTS reports in a row (half a second). A frame read after
 * that would escape the test's checks; the window is far longer than reading a few
 * kilobytes from a socket takes, even on a loaded machine.
 */
export async function untilDrained(report: () => Promise<ServerReport>, topics: string[]): Promise<ServerReport> {
  const received = (r: ServerReport): string => topics.map((t) => r.topics[t]!.stats.received).join(",");
  let last = await report();
  for (let same = 0; same < QUIET_REPORTS; ) {
    await new Promise((r) => setTimeout(r, QUIET_GAP_MS));
    const next = await report();
    same = received(next) === received(last) ? same + 1 : 0;
    last = next;
  }
  return last;
}
