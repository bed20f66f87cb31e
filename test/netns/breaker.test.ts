/**
 * Goal (issue "Liveness on real networks"): the client's circuit breaker (spec/delivery.md,
 * "Host health") opens on a server that stops answering and closes again once it answers.
 * - Opens: while server_1 is frozen, once its first request went unacknowledged the client
 *   sends it no more than one probe per cool-down (coolDownMs, doubling after each failed
 *   probe); all calls succeed through the others.
 * - Closes: thawed, server_1 is picked again within maxCoolDownMs plus a margin, answers,
 *   and over the last second answers a share near the others'.
 * Only the breaker keeps the server out: its registration outlives the fault
 * (registrationTtlMs 60 s, so Redis keeps listing it) and heartbeats are off (a missed
 * heartbeat would also leave it out of the client's Redis cache until it refreshes).
 * Method: one-server-fault.ts (Redis, three servers, a client, each in its own network
 * namespace; a call every 20 ms throughout; server_1 SIGSTOPped for 6 s). Acks on, with
 * short ACK waits (200 ms, no resend: a hard failure that trips the breaker at once).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Cluster } from "./support/cluster.js";
import { netnsSkipReason } from "./support/netns-env.js";
import { msBetween, runOneServerFault, type FaultRun } from "./support/one-server-fault.js";
import { answeredBy, describeOutcomes, firstRoutedAfter, routingExit, startedBetween } from "./support/outcomes.js";

/** An open load: a call every 20 ms (50 a second), whatever the others do. */
const LOAD_EVERY_MS = 20;
const BREAKER = { failureThreshold: 3, coolDownMs: 1000, maxCoolDownMs: 4000 };
const ACK_TIMEOUT_MS = 200;
/** Event-loop lag allowed for the first ACK timeout to fire and open the breaker. */
const OPEN_MARGIN_MS = 500;
const FAULT_MS = 6000;
/** Margin for a loaded two-core machine. */
const MARGIN_MS = 2000;

describe("circuit breaker on a frozen server (network namespaces)", {
  skip: netnsSkipReason() ?? false,
  timeout: 180_000,
}, () => {
  let cluster: Cluster | undefined;
  let run: FaultRun;

  before(async () => {
    ({ run, cluster } = await runOneServerFault({
      serverOptions: { registrationTtlMs: 60_000 },
      clientOptions: {
        acks: true,
        ackTimeoutMs: ACK_TIMEOUT_MS,
        ackResendsPerHost: 0,
        heartbeatIntervalMs: 0,
        circuitBreaker: BREAKER,
      },
      load: { idempotent: true, timeoutMs: 5000, everyMs: LOAD_EVERY_MS },
      warmUpMs: 1500,
      faultMs: FAULT_MS,
      relistLimitMs: 5000,
      afterMs: BREAKER.maxCoolDownMs + 2000,
      fault: (_c, server) => server.proc.pause(),
      restore: (_c, server) => server.proc.resume(),
    }));
  });
  after(() => cluster?.teardown());

  test("opens: after the first unacknowledged request, the frozen server gets at most one probe per cool-down", (t) => {
    // Requests sent before the first ACK wait ran out found the breaker closed; count from then on.
    const opened = run.t.fault + ACK_TIMEOUT_MS + OPEN_MARGIN_MS;
    const probes = routingExit(run.sends, run.host, opened, run.t.restore).picks;
    const bound = Math.ceil((run.t.restore - opened) / BREAKER.coolDownMs);
    const all = routingExit(run.sends, run.host, run.t.fault, run.t.restore).picks;
    t.diagnostic(
      `${all} picks of the frozen server during the fault, ${probes} of them after the first ${ACK_TIMEOUT_MS + OPEN_MARGIN_MS} ms (bound ${bound})`,
    );
    t.diagnostic(`client stats: ${JSON.stringify(run.stats)}`);
    assert.equal(run.t.unlisted, undefined, "Redis kept listing it: only the breaker kept it out");
    assert.ok(probes <= bound, `${probes} picks`);
    const during = run.outcomes.filter((o) => o.endMs > run.t.fault && o.startMs < run.t.restore);
    t.diagnostic(`during the fault: ${describeOutcomes(during)}`);
    assert.deepEqual(
      run.outcomes.filter((o) => !o.ok),
      [],
      "idempotent calls all succeeded through the others",
    );
  });

  test("closes: thawed, the server is picked again within maxCoolDownMs plus a margin and answers a fair share", (t) => {
    const back = firstRoutedAfter(run.sends, run.host, run.t.restore);
    const lastSecond = startedBetween(run.outcomes, run.t.end - 1000, run.t.end);
    const share = (answeredBy(lastSecond)[run.server] ?? 0) / lastSecond.length;
    t.diagnostic(`first pick ${back ? msBetween(run.t.restore, back.atMs) : "none"} ms after SIGCONT`);
    t.diagnostic(`last second: ${describeOutcomes(lastSecond)}; its share ${(share * 100).toFixed(1)} %`);
    assert.ok(back, "picked again");
    assert.ok(back.atMs - run.t.restore <= BREAKER.maxCoolDownMs + MARGIN_MS);
    assert.ok(share >= 0.2, "back to about a third of the calls");
  });
});
