/**
 * The process-wide in-process matchmakers: the one module-level state of the driver.
 *
 * Why module state: "zmq://" promises that every transport of a process finds the
 * servers of the others (oslo's embedded default), yet getRpcTransport receives nothing
 * those transports share but the process itself. So the registry must outlive any one
 * transport and be found by each without being passed; the module is that place. It
 * lives at the api layer, where the real shell is wired: the core, the ports, the driver
 * and the pool take their matchmaker through constructors and hold no module state.
 *
 * Transports given their own ports (the simulator, tests) share one matchmaker per clock
 * instead, so a simulation never sees the real-time registry, nor another simulation's.
 * Nothing here is ever reset: the process matchmaker lives as long as the process.
 */
import { InProcessMatchmaker } from "../matchmaker/in-process.js";
import type { Clock } from "../ports/clock.js";
import { NodeClock } from "../runtime/node/node-clock.js";

/** In-process matchmakers by the clock their transports run on; an unused clock's entry goes with it. */
const matchmakersByClock = new WeakMap<Clock, InProcessMatchmaker>();
/** The process's real clock, on which the "zmq://" default runs; made on first use. */
let processClock: NodeClock | undefined;

/** The in-process matchmaker shared by every "zmq://" transport of this process that has the default ports. */
export function defaultInProcessMatchmaker(): InProcessMatchmaker {
  processClock ??= new NodeClock();
  return inProcessMatchmakerFor(processClock);
}

/**
 * The in-process matchmaker for transports that run on `clock`: transports sharing a
 * (simulated) clock share one registry on that clock; they never see the process's
 * real-time registry, nor another simulation's.
 */
export function inProcessMatchmakerFor(clock: Clock): InProcessMatchmaker {
  let mm = matchmakersByClock.get(clock);
  if (!mm) {
    mm = new InProcessMatchmaker(clock);
    matchmakersByClock.set(clock, mm);
  }
  return mm;
}
