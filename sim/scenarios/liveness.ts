/**
 * Named scenarios of liveness on real networks: ZMTP heartbeats (DriverOptions
 * `heartbeatIntervalMs`, `heartbeatTimeoutMs`; sim/net/heartbeats.ts) and each client's
 * circuit breaker (spec/delivery.md, "Host health"). They share one small cluster: h0,
 * h1 and h2 serve topic t0, h3 and h4 only call it; half of the calls and casts are
 * marked idempotent (with acks off a dropped connection still applies the failover rule);
 * heartbeats every 100 ms, a connection silent for 300 ms after a PING is closed, so a
 * dead peer leaves routing within 400 ms (the bound of dead-peer-leaves-routing, plus
 * its margin), well within the 1 s call timeout. Requests flow from 100 ms to 2.5 s.
 * test/sim/liveness-scenario-expectations.ts states what each must show besides passing
 * the checkers.
 */
import { scenario, type Scenario, type ScenarioBuilder } from "./dsl.js";

/** The shared cluster, workload and driver options. */
function live(name: string, title: string): ScenarioBuilder {
  return scenario(name, title)
    .hosts(5, { servers: 3, serversPerTopic: 3, topicsPerClient: 1 })
    .workload({
      calls: 2400,
      ratePerSec: 1000,
      timeoutMs: 1000,
      serviceMsMean: 2,
      mix: { call: 8, cast: 2, fanout: 0 },
      directedRatio: 0,
      idempotentRatio: 0.5,
    })
    .driver({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 });
}

export const LIVENESS_SCENARIOS: readonly Scenario[] = [
  live(
    "hung-server-leaves-routing",
    "heartbeats: a server's process stops for 1.5 s (SIGSTOP); its callers miss its heartbeats, drop it within 400 ms and send it nothing but probes; calls go to the others",
  )
    .at(500)
    .freeze(0, { forMs: 1500 })
    .build(),

  live(
    "busy-server-stays-routed",
    "heartbeats: a server's event loop blocks for 1.5 s; its I/O thread still answers PINGs, so no connection drops and calls sent to it wait (heartbeats do not catch a busy process; acknowledged delivery does)",
  )
    .at(500)
    .pause(0, { forMs: 1500 })
    .build(),

  live(
    "partitioned-server-leaves-routing",
    "heartbeats: a server is cut off for 1.5 s; both sides of each connection miss the heartbeats and close it within 400 ms; its callers send it nothing but probes",
  )
    .at(500)
    .isolate(0, { forMs: 1500 })
    .build(),

  live(
    "healed-partition-returns",
    "heartbeats: a server cut off for 800 ms leaves routing; once the link heals its callers reconnect, probe it and send it work again",
  )
    .at(500)
    .isolate(0, { forMs: 800 })
    .build(),

  live(
    "breaker-soft-failures",
    "breaker: a server's event loop blocks with small HWMs, so sends to it time out; three in a row open its breaker (no connection drops), one probe per cool-down, closed again once it resumes",
  )
    .driver({
      sendTimeoutMs: 50,
      circuitBreaker: { failureThreshold: 3, windowMs: 10_000, coolDownMs: 200, maxCoolDownMs: 400 },
    })
    .faults({ sendHighWaterMark: 2, receiveHighWaterMark: 2, maxQueuedSends: 4 })
    .at(500)
    .pause(0, { forMs: 1000 })
    .build(),

  live(
    "one-way-delay",
    "delay: for 1 s everything h0 sends to h3 takes 150 ms longer, less than the heartbeat timeout: h3's calls answered by h0 are that much slower, no connection drops",
  )
    .at(500)
    .delay(0, 3, { forMs: 1000, extraMs: 150 })
    .build(),

  live(
    "one-way-delay-past-heartbeats",
    "delay: for 1 s everything h0 sends to h3 takes 600 ms longer, more than the heartbeat timeout: h3 drops its live connection to h0, the calls h0 holds fail or move, and h3 reconnects",
  )
    .at(500)
    .delay(0, 3, { forMs: 1000, extraMs: 600 })
    .build(),

  live(
    "heartbeat-loss",
    "heartbeats: for 1.5 s the PINGs and PONGs from h0 to h3 and h4 are lost while replies pass; the replies count as heard, so no connection drops",
  )
    .at(500)
    .heartbeatLoss(0, 3, { forMs: 1500 })
    .at(500)
    .heartbeatLoss(0, 4, { forMs: 1500 })
    .build(),
];
