/** The shared state of one simulation run, passed to every part that needs it (no module globals). */
import type { InProcessMatchmaker } from "../src/matchmaker/in-process.js";
import type { CallLog } from "./history/call-log.js";
import type { DiscoveryLog } from "./history/discovery-log.js";
import type { ExecLog } from "./history/exec-log.js";
import type { FaultLog } from "./history/fault-log.js";
import type { NotifyLog } from "./notify/notify-log.js";
import type { ReadLog } from "./history/read-log.js";
import type { RoutingLog } from "./history/routing-log.js";
import type { SimNetwork } from "./net/network.js";
import type { SimOptions } from "./options.js";
import type { Scheduler } from "./scheduler.js";
import type { Trace } from "./trace.js";
import type { Violations } from "./violations.js";
import type { SimCurve } from "./cluster/sim-curve.js";

export interface SimContext {
  readonly options: SimOptions;
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly net: SimNetwork;
  /** The cluster's matchmaker (the "Redis server"), on ideal virtual time. */
  readonly matchmaker: InProcessMatchmaker;
  readonly calls: CallLog;
  readonly exec: ExecLog;
  /** Requests each server process read from its socket (the simulated ROUTER records them). */
  readonly reads: ReadLog;
  readonly discovery: DiscoveryLog;
  /** Where clients routed calls and casts, their breakers' states, the links each fault cut. */
  readonly routing: RoutingLog;
  readonly faults: FaultLog;
  readonly violations: Violations;
  /** What happened to each notification; only with a notification workload. */
  readonly notifies?: NotifyLog;
  /** Every process's CURVE keys; only with SimOptions.curve. */
  readonly curve?: SimCurve;
}
