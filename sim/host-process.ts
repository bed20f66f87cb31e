/**
 * One incarnation of a process on a simulated host: its gate (alive, paused, crashed), its
 * clock, its random stream and its sockets. A restart makes a new incarnation with a new
 * random stream; the host's address and clock drift stay.
 *
 * Pause models a blocked event loop (a long GC, a synchronous loop): libzmq's I/O thread
 * keeps accepting data and answering heartbeats, but no timer, receive completion or
 * matchmaker reply reaches the JavaScript code until resume, when they run in their
 * original order. Freeze is a stopped process (SIGSTOP, a suspended VM): paused, and its
 * I/O thread stopped too, so its peers miss its heartbeats (sim/net/heartbeats.ts) and no
 * connection to or from it completes a handshake until it thaws.
 */
import { Prng } from "./prng.js";
import type { Scheduler } from "./scheduler.js";
import type { Trace } from "./trace.js";
import { ProcessClock, type HostTime, type TimerGranularity } from "./host-clock.js";
import type { SimNetwork } from "./net/network.js";
import type { ProcessGate } from "./net/process-gate.js";
import { SimSocketFactory } from "./net/socket-factory.js";

export class HostProcess implements ProcessGate {
  dead = false;
  paused = false;
  frozen = false;
  private deferred: (() => void)[] = [];
  readonly clock: ProcessClock;
  readonly rng: Prng;
  readonly sockets: SimSocketFactory;

  constructor(
    readonly host: number,
    readonly incarnation: number,
    private readonly net: SimNetwork,
    scheduler: Scheduler,
    trace: Trace,
    readonly time: HostTime,
    seed: number,
    granularity: TimerGranularity = "node",
  ) {
    this.rng = Prng.derive(seed, `host/${host}/incarnation/${incarnation}`);
    this.clock = new ProcessClock(scheduler, time, this, trace, host, granularity);
    this.sockets = new SimSocketFactory(net, this);
  }

  enter(fn: () => void): void {
    if (this.dead) return;
    if (this.paused) this.deferred.push(fn);
    else fn();
  }

  /** `enter(() => fn(arg))`, with a closure made only when the call has to wait (paused). */
  enterWith<A>(fn: (arg: A) => void, arg: A): void {
    if (this.dead) return;
    if (this.paused) this.deferred.push(() => fn(arg));
    else fn(arg);
  }

  pause(): void {
    if (!this.dead) this.paused = true;
  }

  /** The whole process stops (paused, and its I/O thread too). */
  freeze(): void {
    if (this.dead || this.frozen) return;
    this.pause();
    this.frozen = true;
    this.net.frozenProcesses++;
    this.net.heartbeats.changed([this.host]);
  }

  /** A frozen process runs again: its heartbeat timers first (overdue ones close at once), then its JavaScript. */
  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.net.frozenProcesses--;
    this.net.heartbeats.changed([this.host]);
    this.resume();
  }

  resume(): void {
    if (this.frozen || !this.paused) return;
    this.paused = false;
    const work = this.deferred;
    this.deferred = [];
    for (const fn of work) this.enter(fn);
  }

  /** The process dies: timers, sockets and deferred work vanish; nothing settles again. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.paused = false;
    if (this.frozen) this.net.frozenProcesses--;
    this.frozen = false;
    this.deferred = [];
    this.clock.cancelAll();
    this.sockets.killAll();
  }
}
