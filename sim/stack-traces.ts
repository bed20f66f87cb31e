/**
 * No stack traces while a run is under way: `Error.stackTraceLimit` is 0 from the start
 * of `runSimulation` until it returns, then back to what it was.
 *
 * Why: a simulated cluster builds errors by the thousand, and on purpose. Every call that
 * times out gets a `MessagingTimeout`, every cast that finds no receiver a
 * `MessageDeliveryFailure`, and every pooled socket closed with a receive pending (the
 * pool closes idle sockets all the time) rejects it with a `PortError`. V8 captures a stack
 * trace in every `Error` constructor, async frames included, and nothing in a run ever
 * reads one: violations carry messages, the CLI prints messages. Capturing them was the
 * largest single cost of a swarm seed.
 *
 * Measured (paired: each swarm seed run alternately with and without, in one process, so
 * both see the same load on this shared 2-core machine): seeds 11 to 70, 20.7 s against
 * 24.1 s, 14 % less time; the profile of 200 swarm seeds loses the `MessagingError` and
 * `PortError` constructors (12.5 % of its samples). Every trace hash stays the same: the
 * seeds, scenarios and swarm seeds of the determinism checks in spec/sim.md.
 *
 * The one place a stack reaches the wire is the traceback of a failure reply
 * (serializeRemoteError in src/core/remote-error.ts); the simulated endpoint never throws,
 * so no run sends one. If one did, its traceback would now be empty instead of listing
 * file paths of the machine that ran it, so the trace hash would not depend on where the
 * repository is checked out.
 *
 * `Error.stackTraceLimit` belongs to the isolate: a worker thread has its own. While a run
 * awaits, other code of the same thread (a test runner, the progress bar) builds its
 * errors without stacks too; none of it prints them.
 */

/** Runs under way in this thread (runs may overlap: each awaits between instants). */
let running = 0;
/** The limit before the first of them began. */
let saved = 0;

/**
 * Sets `Error.stackTraceLimit` to 0 and returns the function that ends this run's claim on
 * it; the limit is restored when the last overlapping run has ended.
 */
export function suspendStackTraces(): () => void {
  if (running++ === 0) {
    saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
  }
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--running === 0) Error.stackTraceLimit = saved;
  };
}
