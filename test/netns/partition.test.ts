/**
 * Goal (issue "Liveness on real networks"): a partitioned server, its cable pulled at the
 * switch while calls flow, costs a caller no call with acknowledged delivery and idempotent
 * calls, and a healed partition brings the server back:
 * - every call succeeds through the other two servers, far inside its timeout: none waits
 *   longer than the ACK give-up (ackTimeoutMs × (2^(ackResendsPerHost+1) − 1)) or, for a
 *   call the server acknowledged just before the cut, the heartbeat's detection
 *   (heartbeatIntervalMs + heartbeatTimeoutMs), plus a generous margin;
 * - the cut-off server leaves the client's routing no later than its registration expires
 *   in Redis (it cannot refresh it from behind the cut), within registrationTtlMs plus a
 *   margin; the circuit breaker and the default heartbeats take it out sooner;
 * - healed, it registers again and answers calls again. How soon depends on when TCP
 *   retransmits (the server's Redis connection survived the cut: no RST or FIN crossed it)
 *   or reconnects (the client's heartbeats dropped its connection), and on the breaker's
 *   next probe (its cool-down doubled with each failed one, up to 30 s by default): the
 *   bound is that longest cool-down plus a margin, the measured time is printed.
 * Method: one-server-fault.ts: Redis, three servers and a client, each in its own network
 * namespace; the client starts a call every 20 ms throughout (an open load); server_1's
 * bridge port is set down for 6 s, then up.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Cluster } from "./support/cluster.js";
import { cutLink, healLink } from "./support/faults.js";
import { netnsSkipReason } from "./support/netns-env.js";
import { msBetween, runOneServerFault, type FaultRun } from "./support/one-server-fault.js";
import { answeredBy, describeCall, describeOutcomes, firstRoutedAfter, routingExit } from "./support/outcomes.js";

/** An open load: a call every 20 ms (50 a second), whatever the others do. */
const LOAD_EVERY_MS = 20;
const ACK_TIMEOUT_MS = 200;
const ACK_RESENDS_PER_HOST = 2;
const ACK_GIVE_UP_MS = ACK_TIMEOUT_MS * (2 ** (ACK_RESENDS_PER_HOST + 1) - 1);
/** The defaults, stated: a connection whose peer is silent is dropped within interval + timeout. */
const HEARTBEAT = { heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 3000 };
/**
 * The longest a call can wait on the faulted server before it moves: the ACK give-up when
 * its request was not acknowledged, the heartbeat's detection when it was (the server ACKed
 * just before the fault and its reply never came).
 */
const MOVE_BOUND_MS = Math.max(ACK_GIVE_UP_MS, HEARTBEAT.heartbeatIntervalMs + HEARTBEAT.heartbeatTimeoutMs);
/** The breaker's longest default cool-down (a healed server waits for its next probe) plus a margin. */
const BACK_LIMIT_MS = 30_000 + 5000;
/** The Redis matchmaker's default registration TTL. */
const TTL_MS = 3000;
/** Margin for a loaded two-core machine: event-loop lag, process scheduling, Redis round trips. */
const MARGIN_MS = 2000;
const CALL_TIMEOUT_MS = 8000;
const CUT_MS = TTL_MS + 3000;
/** TCP's retransmission timer doubles from 200 ms while the cut lasts: a 6 s cut may leave up to ~6.4 s to the next retransmission. */
const RELIST_LIMIT_MS = 20_000;

describe("a partitioned server (link cut), acks and idempotent calls (network namespaces)", {
  skip: netnsSkipReason() ?? false,
  timeout: 180_000,
}, () => {
  let cluster: Cluster | undefined;
  let run: FaultRun;

  before(async () => {
    ({ run, cluster } = await runOneServerFault({
      clientOptions: {
        acks: true,
        ackTimeoutMs: ACK_TIMEOUT_MS,
        ackResendsPerHost: ACK_RESENDS_PER_HOST,
        ...HEARTBEAT,
      },
      serverOptions: HEARTBEAT,
      load: { idempotent: true, timeoutMs: CALL_TIMEOUT_MS, everyMs: LOAD_EVERY_MS },
      warmUpMs: 1500,
      faultMs: CUT_MS,
      relistLimitMs: RELIST_LIMIT_MS,
      backLimitMs: BACK_LIMIT_MS,
      afterMs: 2000,
      fault: async (c, server) => cutLink(c.net, server.node),
      restore: async (c, server) => healLink(c.net, server.node),
    }));
  });
  after(() => cluster?.teardown());

  test("every call succeeds through the other servers, none slower than the ACK give-up or the heartbeat plus a margin", (t) => {
    const during = run.outcomes.filter((o) => o.endMs > run.t.fault && o.startMs < run.t.restore);
    t.diagnostic(`while cut off: ${describeOutcomes(during)}; whole run: ${describeOutcomes(run.outcomes)}`);
    t.diagnostic(`client stats: ${JSON.stringify(run.stats)}`);
    assert.deepEqual(
      run.outcomes.filter((o) => !o.ok),
      [],
    );
    assert.ok(during.length > 50, "calls flowed while the server was cut off");
    assert.equal(answeredBy(during.filter((o) => o.startMs > run.t.fault)).server_1, undefined);
    assert.ok(run.stats.failovers! >= 1, "some calls reached the cut-off server first and moved");
    const slow = run.outcomes.filter((o) => o.endMs - o.startMs > MOVE_BOUND_MS + MARGIN_MS);
    for (const o of slow)
      t.diagnostic(`too slow: ${describeCall(o, run.sends)} (fault at ${(run.t.fault - o.startMs).toFixed(0)} ms)`);
    for (const o of run.outcomes)
      assert.ok(
        o.endMs - o.startMs <= MOVE_BOUND_MS + MARGIN_MS,
        `${o.id} took ${Math.round(o.endMs - o.startMs)} ms (bound ${MOVE_BOUND_MS} + ${MARGIN_MS})`,
      );
  });

  test("the cut-off server leaves the client's routing no later than its registration expires", (t) => {
    const exit = routingExit(run.sends, run.host, run.t.fault, run.t.restore);
    t.diagnostic(
      `${exit.picks} picks of the cut-off server after the cut, the last ${exit.afterFaultMs.toFixed(0)} ms after it (TTL ${TTL_MS})`,
    );
    const unlisted = run.t.unlisted === undefined ? undefined : run.t.unlisted - run.t.fault;
    t.diagnostic(`Redis stopped listing it ${unlisted?.toFixed(0)} ms after the fault`);
    assert.ok(unlisted !== undefined && unlisted <= TTL_MS + MARGIN_MS, "its registration expired in Redis");
    assert.ok(exit.afterFaultMs <= TTL_MS + MARGIN_MS, `last pick ${exit.afterFaultMs.toFixed(0)} ms after the cut`);
  });

  test("a healed partition brings the server back: listed again, routed to and answering", (t) => {
    const pick = firstRoutedAfter(run.sends, run.host, run.t.restore);
    const answered = run.outcomes.filter((o) => o.ok && o.server === run.server && o.startMs > run.t.restore);
    t.diagnostic(
      `listed again ${msBetween(run.t.restore, run.t.relisted)} ms after the heal; first pick ${pick ? msBetween(run.t.restore, pick.atMs) : "none"} ms after; first answer to a call started after it ${run.t.back === undefined ? "none" : msBetween(run.t.restore, run.t.back)} ms after; ${answered.length} calls answered by it`,
    );
    assert.ok(run.t.back !== undefined, `it answers again within ${BACK_LIMIT_MS} ms`);
    assert.ok(answered.length > 0);
  });
});
