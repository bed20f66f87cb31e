/**
 * Named scenarios of acknowledged delivery (DriverOptions `acks`; spec/delivery.md,
 * "Acknowledged delivery"): each aims one fault at the resend and failover paths. They
 * share one small cluster: h0, h1 and h2 serve topic t0, every host calls it (h3 and h4
 * only call), half of the calls and casts are marked idempotent, and a host that sends
 * no ACK is believed dead after 20 + 40 + 80 = 140 ms (two resends), well within the
 * 1 s call timeout, so that what happens next is failover, not a timeout.
 * test/sim/scenarios.test.ts states what each must show besides passing the checkers.
 */
import { scenario, type ScenarioBuilder } from "./dsl.js";
import type { Scenario } from "./dsl.js";

/** The shared cluster, workload and driver options; requests flow from 100 ms to 900 ms. */
function acked(
  name: string,
  title: string,
  o: { serviceMsMean?: number; ackTimeoutMs?: number } = {},
): ScenarioBuilder {
  return scenario(name, title)
    .hosts(5, { servers: 3, serversPerTopic: 3, topicsPerClient: 1 })
    .workload({
      calls: 800,
      ratePerSec: 1000,
      timeoutMs: 1000,
      serviceMsMean: o.serviceMsMean ?? 2,
      mix: { call: 6, cast: 3, fanout: 1 },
      directedRatio: 0.1,
      idempotentRatio: 0.5,
    })
    .driver({ acks: true, ackTimeoutMs: o.ackTimeoutMs ?? 20, ackResendsPerHost: 2 });
}

export const ACK_SCENARIOS: readonly Scenario[] = [
  acked(
    "ack-server-hangs",
    "acks: a server's event loop blocks for 600 ms mid-call; with no ACKs it is believed dead: idempotent requests move to another server, the others fail naming it",
  )
    .at(300)
    .pause(0, { forMs: 600 })
    .build(),

  acked(
    "ack-lost",
    "acks: a server's ACKs are lost for 100 ms; slow calls and casts are sent again, and the server answers the copies without running them twice",
    { serviceMsMean: 60, ackTimeoutMs: 50 },
  )
    .at(300)
    .drop("ack", { from: 0, forMs: 100 })
    .build(),

  acked(
    "reply-lost",
    "acks: a server's ACKs and replies to h3 are lost for 100 ms, so h3 sends again and gets the kept reply; its replies alone to h4 are lost later, after their ACKs: those calls time out, unrepeated",
    { ackTimeoutMs: 50 },
  )
    .at(300)
    .drop("ack", { from: 0, to: 3, forMs: 100 })
    .at(300)
    .drop("reply", { from: 0, to: 3, forMs: 100 })
    .at(600)
    .drop("reply", { from: 0, to: 4, forMs: 100 })
    .build(),

  acked(
    "request-lost",
    "acks: requests from h3 to a server are lost, for 50 ms (a resend gets through and runs once), then for 300 ms (the server is believed dead: idempotent ones move, the others fail naming it)",
  )
    .at(300)
    .drop("call", { from: 3, to: 0, forMs: 50 })
    .at(300)
    .drop("cast", { from: 3, to: 0, forMs: 50 })
    .at(500)
    .drop("call", { from: 3, to: 0, forMs: 300 })
    .at(500)
    .drop("cast", { from: 3, to: 0, forMs: 300 })
    .build(),

  acked(
    "ack-partition-resends",
    "acks: a server is cut off for 400 ms while its requests are sent again; they move or fail, and when the link heals it reads the held copies and runs each once",
  )
    .at(300)
    .isolate(0, { forMs: 400 })
    .build(),

  acked(
    "crash-after-ack",
    "acks: a server crashes right after an ACK reaches its caller, before the reply; idempotent calls it held move and succeed, the others fail naming it",
    { serviceMsMean: 50 },
  )
    .driver({ registrationTtlMs: 300 })
    .at(300)
    .crashAfter(0, "ack", { to: 3, restartAfterMs: 300 })
    .build(),
];
