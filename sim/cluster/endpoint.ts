/**
 * The application behind every simulated server: one method, `echo`, that records the
 * run in the ExecLog (independently of the driver), waits out hang and service time, and
 * returns who served which request, so the workload can check that the reply belongs to
 * the call it resolved.
 */
import type { ProcessClock } from "../host-clock.js";
import type { ExecLog } from "../history/exec-log.js";
import type { Prng } from "../prng.js";
import type { Trace } from "../trace.js";
import type { HostBehavior } from "./behavior.js";

export interface EchoReply {
  /** Request index (from the arguments). */
  n: number;
  /** Host that ran it. */
  s: number;
  /** Topic index of the server. */
  t: number;
}

export interface EndpointDeps {
  host: number;
  incarnation: number;
  topic: number;
  clock: ProcessClock;
  /** The process gate: work resumed from outside the process goes through it. */
  enter: (fn: () => void) => void;
  rng: Prng;
  behavior: HostBehavior;
  exec: ExecLog;
  trace: Trace;
  /** Mean handler time when not slowed down; 0 answers at once. */
  serviceMsMean: number;
}

export function makeEndpoint(d: EndpointDeps): object {
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => d.clock.setTimerExact(ms, resolve));
  return {
    async echo(_ctx: Record<string, unknown>, args: Record<string, unknown>): Promise<EchoReply> {
      const n = typeof args.n === "number" ? args.n : -1;
      d.exec.executed(n, d.host);
      d.trace.record("exec", n, d.host, d.incarnation);
      const hang = d.behavior.hangIfActive(d.enter);
      if (hang) await hang;
      const mean = d.behavior.slowServiceMs > 0 ? d.behavior.slowServiceMs : d.serviceMsMean;
      if (mean > 0) await sleep(Math.round(d.rng.exponential(mean) * 1000) / 1000);
      return { n, s: d.host, t: d.topic };
    },
  };
}
