/** The checkers run after the liveness phase (clean-shutdown runs after the shutdown phase). */
import { atMostOnce } from "./at-most-once.js";
import type { Checker } from "./checker.js";
import { discoveryTtl } from "./discovery-ttl.js";
import { fanoutCoverage } from "./fanout-coverage.js";
import { liveness } from "./liveness.js";
import { poolCap } from "./pool-cap.js";
import { replyRouting } from "./reply-routing.js";
import { settleDeadline } from "./settle-deadline.js";

export { cleanShutdown } from "./clean-shutdown.js";
export { armDiscoveryProbe } from "./discovery-ttl.js";

export const CHECKERS: readonly Checker[] = [settleDeadline, replyRouting, atMostOnce, fanoutCoverage, discoveryTtl, liveness, poolCap];
