/**
 * Goal (issue "Liveness on real networks"): with ZMTP heartbeats, a hung server (SIGSTOP)
 * and a partitioned server (link cut) each leave the client's routing within
 * heartbeatTimeoutMs + 200 ms of the fault, and calls keep succeeding through the others;
 * restored, the server comes back.
 * Nothing else can move a call in time: the ACK give-up (ackTimeoutMs 1 s, one resend:
 * 3 s) comes after the calls' 2.5 s timeout, and the registration TTL (30 s) outlasts the
 * fault, so a call sent to the faulted server succeeds only if the heartbeat declared its
 * connection dead (without heartbeats these calls time out: checked when the case was
 * written). A dropped connection also leaves the server out of the client's Redis cache
 * until it refreshes its registration, so servers refresh every 500 ms: restored, the
 * server is back within a refresh.
 * Method: one-server-fault.ts (Redis, three servers, a client, each in its own network
 * namespace; a call every 20 ms throughout; server_1 faulted for 4 s), once per fault.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Cluster } from "./support/cluster.js";
import { cutLink, healLink } from "./support/faults.js";
import { netnsSkipReason } from "./support/netns-env.js";
import { msBetween, runOneServerFault, type FaultRun, type FaultScenario } from "./support/one-server-fault.js";
import { answeredBy, describeOutcomes, firstRoutedAfter, routingExit } from "./support/outcomes.js";

/** An open load: a call every 20 ms (50 a second), whatever the others do. */
const LOAD_EVERY_MS = 20;
const HEARTBEAT = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 500 };
/** The bound: a dead peer leaves routing within the heartbeat timeout plus 200 ms. */
const LEAVES_ROUTING_MS = HEARTBEAT.heartbeatTimeoutMs + 200;
/** Margin on a call's duration for a loaded two-core machine (the call timeout bounds it anyway). */
const MARGIN_MS = 1500;
const CALL_TIMEOUT_MS = 2500;
const ACKS = { acks: true, ackTimeoutMs: 1000, ackResendsPerHost: 1 };

const faults: Record<string, Pick<FaultScenario, "fault" | "restore">> = {
  "a hung server (SIGSTOP)": {
    fault: (_c, server) => server.proc.pause(),
    restore: (_c, server) => server.proc.resume(),
  },
  "a partitioned server (link cut)": {
    fault: async (c, server) => cutLink(c.net, server.node),
    restore: async (c, server) => healLink(c.net, server.node),
  },
};

for (const [what, fault] of Object.entries(faults)) {
  describe(`${what} with ZMTP heartbeats (network namespaces)`, {
    skip: netnsSkipReason() ?? false,
    timeout: 180_000,
  }, () => {
    let cluster: Cluster | undefined;
    let run: FaultRun;

    before(async () => {
      ({ run, cluster } = await runOneServerFault({
        ...fault,
        serverOptions: { registrationTtlMs: 30_000, registrationRefreshMs: 500, ...HEARTBEAT },
        clientOptions: { ...ACKS, ...HEARTBEAT },
        load: { idempotent: true, timeoutMs: CALL_TIMEOUT_MS, everyMs: LOAD_EVERY_MS },
        warmUpMs: 1500,
        faultMs: 4000,
        relistLimitMs: 20_000,
        afterMs: 3000,
      }));
    });
    after(() => cluster?.teardown());

    test(`leaves the client's routing within heartbeatTimeoutMs + 200 ms (${LEAVES_ROUTING_MS} ms)`, (t) => {
      const exit = routingExit(run.sends, run.host, run.t.fault, run.t.restore);
      t.diagnostic(`${exit.picks} picks after the fault, the last ${exit.afterFaultMs.toFixed(0)} ms after it`);
      assert.ok(exit.afterFaultMs <= LEAVES_ROUTING_MS, `last pick ${exit.afterFaultMs.toFixed(0)} ms after the fault`);
    });

    test("calls keep succeeding through the others, moved by the heartbeat well before any ACK wait ends", (t) => {
      const during = run.outcomes.filter((o) => o.endMs > run.t.fault && o.startMs < run.t.restore);
      t.diagnostic(`during the fault: ${describeOutcomes(during)}; client stats: ${JSON.stringify(run.stats)}`);
      assert.deepEqual(
        run.outcomes.filter((o) => !o.ok),
        [],
      );
      assert.ok(during.length > 50, "calls flowed during the fault");
      assert.equal(answeredBy(during.filter((o) => o.startMs > run.t.fault)).server_1, undefined);
      for (const o of run.outcomes)
        assert.ok(
          o.endMs - o.startMs <= LEAVES_ROUTING_MS + MARGIN_MS,
          `${o.id} took ${Math.round(o.endMs - o.startMs)} ms`,
        );
    });

    test("restored, the server is routed to and answers again", (t) => {
      const pick = firstRoutedAfter(run.sends, run.host, run.t.restore);
      t.diagnostic(
        `first pick ${pick ? msBetween(run.t.restore, pick.atMs) : "none"} ms after the restore; first answer to a call started after it ${run.t.back === undefined ? "none" : msBetween(run.t.restore, run.t.back)} ms after`,
      );
      assert.ok(pick && run.t.back !== undefined);
    });
  });
}
