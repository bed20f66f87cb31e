/**
 * Named regression scenarios: each pins one failure mode with a readable title, runs in a
 * fraction of a second, and must end with zero violations. `npm run sim -- --scenario
 * <name>` runs one; test/sim/scenarios.test.ts runs them all. Requests flow from 100 ms
 * (after warm-up) for calls / ratePerSec seconds.
 */
import { ACK_SCENARIOS } from "./acks.js";
import { CURVE_SCENARIOS } from "./curve-scenarios.js";
import { LIVENESS_SCENARIOS } from "./liveness.js";
import { scenario, type Scenario } from "./dsl.js";
import { NOTIFY_SCENARIOS } from "./notify-scenarios.js";
import { PROXY_SCENARIOS } from "./proxy-scenarios.js";

const small = { serversPerTopic: 3, topicsPerClient: 2 };

export const SCENARIOS: readonly Scenario[] = [
  scenario("quiet", "calls: a quiet network, every request answered")
    .hosts(6, small)
    .workload({ calls: 600, ratePerSec: 600 })
    .build(),

  scenario(
    "isolate-server",
    "partition: isolate one server (symmetric) while calls flow; its requests wait, then drain",
  )
    .hosts(6, small)
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 400 })
    .at(300)
    .isolate(1, { forMs: 300 })
    .build(),

  scenario(
    "isolate-server-asymmetric",
    "partition: a server receives but its replies are held (asymmetric, send side cut)",
  )
    .hosts(6, small)
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 400 })
    .at(300)
    .isolate(2, { forMs: 600, direction: "out" })
    .build(),

  scenario("split-halves", "partition: the cluster splits in two halves for 400 ms, longer than the call timeout")
    .hosts(8, small)
    .workload({ calls: 700, ratePerSec: 1000, timeoutMs: 300 })
    .at(350)
    .partition([0, 1, 2, 3], { forMs: 400 })
    .build(),

  scenario(
    "crash-server-restart",
    "crash: a server dies with calls in flight, restarts on a new port; the old address leaves discovery within TTL",
  )
    .hosts(6, small)
    .workload({ calls: 700, ratePerSec: 600, timeoutMs: 500 })
    .driver({ registrationTtlMs: 600 })
    .at(400)
    .crash(1, { restartAfterMs: 300 })
    .build(),

  scenario("crash-caller", "crash: a client dies with requests in flight; they are abandoned, nobody else is affected")
    .hosts(6, small)
    .workload({ calls: 800, ratePerSec: 800, serviceMsMean: 20 })
    .at(500)
    .crash(5, { restartAfterMs: 200 })
    .build(),

  scenario(
    "rolling-restart",
    "restart: servers stop gracefully one after another while calls flow (stopGraceMs keeps late replies readable)",
  )
    .hosts(6, small)
    .workload({ calls: 1000, ratePerSec: 1000, timeoutMs: 500, serviceMsMean: 5 })
    .at(300)
    .restart(0)
    .at(500)
    .restart(1)
    .at(700)
    .restart(2)
    .at(900)
    .restart(3)
    .build(),

  scenario(
    "pause-server-hwm",
    "pause: a server's event loop blocks for 300 ms with small HWMs; clients hit back-pressure, nothing is lost or duplicated",
  )
    .hosts(5, { serversPerTopic: 2, topicsPerClient: 1 })
    .workload({ calls: 800, ratePerSec: 1000, timeoutMs: 600 })
    .faults({ sendHighWaterMark: 4, receiveHighWaterMark: 4, maxQueuedSends: 8 })
    .at(400)
    .pause(0, { forMs: 300 })
    .build(),

  scenario(
    "slow-handlers",
    "slow: a server's handlers take longer than the call timeout; late replies are dropped as stale",
  )
    .hosts(6, small)
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 150 })
    .at(300)
    .slow(1, { forMs: 300, serviceMs: 400 })
    .build(),

  scenario(
    "hung-handlers",
    "hang: every handler of a server hangs until the window ends; its concurrency slots fill, other servers carry on",
  )
    .hosts(6, small)
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 300 })
    .at(300)
    .hang(0, { forMs: 500 })
    .build(),

  scenario(
    "redis-outage-restart",
    "redis: the matchmaker is down while a server restarts; it registers once the matchmaker is back",
  )
    .hosts(6, small)
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 600 })
    .driver({ registrationTtlMs: 900 })
    .at(300)
    .redisOutage({ forMs: 500 })
    .at(350)
    .crash(2, { restartAfterMs: 100 })
    .build(),

  scenario(
    "clog-link",
    "clog: one client-to-server link holds its data longer than the timeout, then delivers it in order",
  )
    .hosts(4, { serversPerTopic: 2, topicsPerClient: 1 })
    .workload({ calls: 600, ratePerSec: 600, timeoutMs: 200 })
    .at(300)
    .clog(3, 0, { forMs: 400 })
    .build(),

  scenario(
    "duplicate-requests",
    "duplicate: every message from one host to a server arrives twice for 400 ms (a client re-sending; calls and casts are idempotent, so none is marked as sent once); each still runs once there",
  )
    .hosts(4, { serversPerTopic: 2, topicsPerClient: 1 })
    .workload({
      calls: 600,
      ratePerSec: 600,
      timeoutMs: 300,
      serviceMsMean: 2,
      mix: { call: 6, cast: 2, fanout: 2 },
      idempotentRatio: 1,
    })
    .at(300)
    .duplicate(3, 0, { forMs: 400 })
    .at(300)
    .duplicate(2, 1, { forMs: 400 })
    .build(),

  scenario(
    "pause-past-deadlines",
    "pause: a server's event loop blocks for three call timeouts; once it resumes it runs none of the requests that expired",
  )
    .hosts(5, { serversPerTopic: 2, topicsPerClient: 1 })
    .workload({ calls: 800, ratePerSec: 1000, timeoutMs: 200, mix: { call: 6, cast: 2, fanout: 2 } })
    .at(400)
    .pause(0, { forMs: 600 })
    .build(),

  scenario(
    "drift-heavy",
    "drift: clocks drift by up to 1000 ppm and sit seconds apart, beyond the skew deadlines tolerate, while every kind of fault plays out",
  )
    .hosts(10, small)
    .workload({ calls: 800, ratePerSec: 1000, timeoutMs: 500 })
    .faults({
      clockDriftPpmMax: 1000,
      clockOffsetMsMax: 5000,
      partitionsPerSec: 2,
      clogsPerSec: 3,
      crashesPerSec: 1,
      pausesPerSec: 2,
      slowPerSec: 1,
      hangsPerSec: 1,
      redisOutagesPerSec: 1,
    })
    .seed(7)
    .build(),

  ...ACK_SCENARIOS,
  ...NOTIFY_SCENARIOS,
  ...LIVENESS_SCENARIOS,
  ...CURVE_SCENARIOS,
  ...PROXY_SCENARIOS,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
