/**
 * Goal (issue "Liveness on real networks"): the client's circuit breaker opens on a server
 * that keeps failing and closes again once it works.
 * - Opens: while server_1 is frozen, the client sends it at most failureThreshold picks
 *   plus one trial per openMs (without a breaker it would try again after every ACK
 *   give-up hold, a few hundred ms).
 * - Closes: thawed, server_1 gets picks again within openMs plus a margin, answers them,
 *   and over the last second it answers a share near the others'.
 * The server's registration outlives the fault (registrationTtlMs 60 s), so Redis keeps
 * listing it and only the client's own judgement keeps it out of routing.
 * Method: one-server-fault.ts (Redis, three servers, a client, each in its own network
 * namespace; a call every 20 ms throughout; server_1 SIGSTOPped for 6 s). Acks on, with
 * short ACK waits (200 ms, no resend), so each pick of the frozen server fails fast.
 * Until the driver accepts DriverOptions.circuitBreaker, the tests are todo.
 */
import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import type { Cluster } from "./support/cluster.js";
import { netnsSkipReason } from "./support/netns-env.js";
import { msBetween, runOneServerFault, type FaultRun } from "./support/one-server-fault.js";
import { answeredBy, describeOutcomes, firstRoutedAfter, routingExit, startedBetween } from "./support/outcomes.js";
import { caseTest, missingOptions, pendingOptions } from "./support/pending-feature.js";

/** An open load: a call every 20 ms (50 a second), whatever the others do. */
const LOAD_EVERY_MS = 20;
const BREAKER = { failureThreshold: 3, openMs: 2000 };
const FAULT_MS = 6000;
/** Margin for a loaded two-core machine. */
const MARGIN_MS = 2000;
const TODO = missingOptions({ circuitBreaker: BREAKER });

describe("circuit breaker on a frozen server (network namespaces)", {
  skip: netnsSkipReason() ?? false,
  timeout: 180_000,
}, () => {
  let cluster: Cluster | undefined;
  let run: FaultRun;
  const it = caseTest(TODO);

  before(async () => {
    if (TODO) return;
    ({ run, cluster } = await runOneServerFault({
      serverOptions: { registrationTtlMs: 60_000 },
      clientOptions: pendingOptions({ acks: true, ackTimeoutMs: 200, ackResendsPerHost: 0, circuitBreaker: BREAKER }),
      load: { idempotent: true, timeoutMs: 5000, everyMs: LOAD_EVERY_MS },
      warmUpMs: 1500,
      faultMs: FAULT_MS,
      relistLimitMs: 5000,
      afterMs: BREAKER.openMs + 2000,
      fault: (_c, server) => server.proc.pause(),
      restore: (_c, server) => server.proc.resume(),
    }));
  });
  after(() => cluster?.teardown());

  it("opens: the frozen server gets at most failureThreshold picks plus one trial per openMs", (t) => {
    const exit = routingExit(run.sends, run.host, run.t.fault, run.t.restore);
    const bound = BREAKER.failureThreshold + Math.ceil(FAULT_MS / BREAKER.openMs);
    t.diagnostic(`${exit.picks} picks of the frozen server during the ${FAULT_MS} ms fault (bound ${bound})`);
    t.diagnostic(`client stats: ${JSON.stringify(run.stats)}`);
    assert.ok(run.t.unlisted === undefined, "Redis kept listing it: only the breaker kept it out");
    assert.ok(exit.picks <= bound, `${exit.picks} picks`);
    const during = run.outcomes.filter((o) => o.endMs > run.t.fault && o.startMs < run.t.restore);
    t.diagnostic(`during the fault: ${describeOutcomes(during)}`);
    assert.deepEqual(
      run.outcomes.filter((o) => !o.ok),
      [],
      "idempotent calls all succeeded through the others",
    );
  });

  it("closes: thawed, the server is picked again within openMs plus a margin and answers a fair share", (t) => {
    const back = firstRoutedAfter(run.sends, run.host, run.t.restore);
    const lastSecond = startedBetween(run.outcomes, run.t.end - 1000, run.t.end);
    const share = (answeredBy(lastSecond)[run.server] ?? 0) / lastSecond.length;
    t.diagnostic(`first pick ${back ? msBetween(run.t.restore, back.atMs) : "none"} ms after SIGCONT`);
    t.diagnostic(`last second: ${describeOutcomes(lastSecond)}; its share ${(share * 100).toFixed(1)} %`);
    assert.ok(back, "picked again");
    assert.ok(back.atMs - run.t.restore <= BREAKER.openMs + MARGIN_MS);
    assert.ok(share >= 0.2, "back to about a third of the calls");
  });
});
