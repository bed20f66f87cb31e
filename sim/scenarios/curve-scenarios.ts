/**
 * Named scenarios with CURVE on in every process (spec/sim.md, "CURVE";
 * sim/cluster/sim-curve.ts): servers publish their keys through the matchmaker, clients
 * connect with them, a client whose key is not allowed is refused, and servers that
 * restart come back with new key pairs. Each must end with zero violations; the catalog
 * (catalog.ts) lists them with the others; test/sim/curve.test.ts checks what they are about.
 */
import { scenario, type Scenario } from "./dsl.js";

const small = { serversPerTopic: 3, topicsPerClient: 2 };

export const CURVE_SCENARIOS: readonly Scenario[] = [
  scenario("curve-quiet", "curve: every process uses CURVE, keys published in the matchmaker; every request answered")
    .hosts(6, small)
    .curve({})
    .workload({ calls: 600, ratePerSec: 600 })
    .build(),

  scenario(
    "curve-refused-client",
    "curve: one client's key is in no server's allow-list; none of its requests is read or run, every other client is served",
  )
    .hosts(7, { ...small, servers: 6 })
    .curve({ refusedHosts: [6] })
    .workload({ calls: 700, ratePerSec: 700, timeoutMs: 300 })
    .build(),

  scenario(
    "curve-rotate",
    "curve: servers restart one after another, each with a new key pair, and one crashes and comes back with a new key; clients follow the keys in the matchmaker",
  )
    .hosts(6, small)
    .curve({})
    .driver({ registrationTtlMs: 600 })
    .workload({ calls: 1000, ratePerSec: 1000, timeoutMs: 500, serviceMsMean: 5 })
    .at(300)
    .restart(0)
    .at(500)
    .restart(1)
    .at(700)
    .crash(2, { restartAfterMs: 100 })
    .build(),
];
