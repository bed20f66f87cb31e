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
  /** The service time (drawn when the hang, if any, is over), then the reply; a plain value when there is nothing to wait for. */
  const serve = (reply: EchoReply): EchoReply | Promise<EchoReply> => {
    const mean = d.behavior.slowServiceMs > 0 ? d.behavior.slowServiceMs : d.serviceMsMean;
    if (!(mean > 0)) return reply;
    const ms = Math.round(d.rng.exponential(mean) * 1000) / 1000;
    return new Promise((resolve) => d.clock.setTimerExact(ms, () => resolve(reply)));
  };
  return {
    // Not an async function: one promise per request (the service timer's), not three.
    echo(_ctx: Record<string, unknown>, args: Record<string, unknown>): EchoReply | Promise<EchoReply> {
      const n = typeof args.n === "number" ? args.n : -1;
      d.exec.executed(n, d.host, d.incarnation);
      d.trace.record("exec", n, d.host, d.incarnation);
      const reply: EchoReply = { n, s: d.host, t: d.topic };
      const hang = d.behavior.hangIfActive(d.enter);
      return hang ? hang.then(() => serve(reply)) : serve(reply);
    },
  };
}
