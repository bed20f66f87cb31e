/**
 * Proxy routing mode (spec/proxy.md) under the simulator: clients and servers reach each
 * other only through proxies (the unmodified ProxyShell on hosts of their own,
 * sim/cluster/proxy-host.ts), judged by the same checkers as direct mode. Acks on, as
 * spec/proxy.md recommends: a proxy hop can lose a message, an ACK proves both hops.
 */
import { scenario, type Scenario } from "./dsl.js";

const small = { serversPerTopic: 3, topicsPerClient: 2 };
const acked = { acks: true, ackTimeoutMs: 100, registrationTtlMs: 600 };
const mix = { call: 6, cast: 3, fanout: 1 };

export const PROXY_SCENARIOS: readonly Scenario[] = [
  scenario("proxy-quiet", "proxy: two proxies on a quiet network; calls, casts and fanouts all go through them")
    .hosts(6, { ...small, proxies: 2 })
    .workload({ calls: 600, ratePerSec: 600, mix })
    .driver(acked)
    .build(),

  scenario(
    "proxy-crash",
    "proxy: one of two proxies crashes with requests in flight and restarts on a new port; every copy it held is sent again through the other, no server runs one twice",
  )
    .hosts(6, { ...small, proxies: 2 })
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 600, mix })
    .driver(acked)
    .at(350)
    .proxyCrash(0, { restartAfterMs: 300 })
    .build(),

  scenario(
    "proxy-partition",
    "proxy: a proxy is cut off from three hosts (clients and servers) for 400 ms, long enough for their links to miss heartbeats; copies held on those links are lost and sent again through the other proxy",
  )
    .hosts(6, { ...small, proxies: 2 })
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 600, mix })
    .driver({ ...acked, heartbeatIntervalMs: 50, heartbeatTimeoutMs: 150 })
    .at(300)
    .proxyPartition(1, [0, 2, 4], { forMs: 400 })
    .build(),

  scenario(
    "proxy-isolate",
    "proxy: a proxy is isolated from every host for longer than the heartbeat timeout; links to it drop and its hops move to the other proxy",
  )
    .hosts(6, { ...small, proxies: 2 })
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 600, mix })
    .driver({ ...acked, heartbeatIntervalMs: 50, heartbeatTimeoutMs: 150 })
    .at(300)
    .proxyPartition(0, [], { forMs: 500 })
    .build(),

  scenario(
    "proxy-slow",
    "proxy: every message through one proxy takes 60 ms longer, beyond the ACK timeout; copies are sent again through the next proxy and servers dedup them",
  )
    .hosts(6, { ...small, proxies: 2 })
    .workload({ calls: 800, ratePerSec: 800, timeoutMs: 600, mix })
    .driver(acked)
    .at(300)
    .proxySlow(0, { forMs: 400, extraMs: 60 })
    .build(),

  scenario(
    "proxy-batches",
    "proxy: clients with eight requests in flight at once; batches cross the proxies whole both ways, and one proxy crashes with batches in flight: each message in them is sent again alone through the other",
  )
    .hosts(6, { ...small, proxies: 2 })
    .workload({ calls: 800, ratePerSec: 200, burst: 8, timeoutMs: 600, mix })
    .driver(acked)
    .at(350)
    .proxyCrash(0, { restartAfterMs: 300 })
    .build(),

  scenario(
    "proxy-mixed",
    "proxy: one proxy forwards batches, the other is from before batches; clients split their batches through the old one, servers answer through it one message at a time; the new one crashes with replies being worked on, which then leave through the old one one by one",
  )
    .hosts(6, { ...small, proxies: 2, legacyProxies: 1 })
    .workload({ calls: 800, ratePerSec: 200, burst: 8, timeoutMs: 600, serviceMsMean: 20, mix })
    .driver(acked)
    .at(350)
    .proxyCrash(0, { restartAfterMs: 300 })
    .build(),

  scenario(
    "proxy-faults",
    "proxy: three proxies under random proxy crashes, partitions and slow windows, plus server crashes and a matchmaker outage",
  )
    .hosts(8, { ...small, proxies: 3 })
    .workload({ calls: 1000, ratePerSec: 1000, timeoutMs: 600, mix })
    .driver(acked)
    .faults({
      proxyCrashesPerSec: 2,
      proxyPartitionsPerSec: 2,
      proxySlowPerSec: 2,
      crashesPerSec: 1,
      redisOutagesPerSec: 1,
    })
    .seed(3)
    .build(),
];
