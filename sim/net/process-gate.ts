/**
 * The simulated process a socket belongs to. Everything that would run on the process's
 * JavaScript thread (a receive completing, a send timing out) goes through `enter`, which
 * runs it now, defers it while the process is paused (a blocked event loop), or drops it
 * once the process has crashed. Work of libzmq's I/O thread (accepting connections,
 * queueing arriving messages up to the HWM, answering heartbeats) does not wait for the
 * JS thread; it stops only when the whole process is `frozen` (SIGSTOP, a suspended VM).
 */
import type { Clock } from "../../src/ports/clock.js";
import type { Rng } from "../../src/ports/rng.js";

export interface ProcessGate {
  /** Index of the simulated host (machine) the process runs on. */
  readonly host: number;
  readonly dead: boolean;
  /** The whole process is stopped, libzmq's I/O thread included: no heartbeat answered, no handshake completed. */
  readonly frozen: boolean;
  enter(fn: () => void): void;
  readonly clock: Clock;
  readonly rng: Rng;
}
