/**
 * What each liveness scenario (sim/scenarios/liveness.ts) must show besides passing every
 * checker, read from the run's ground truth: the clients' picks and breaker changes
 * (RoutingLog, recorded from outside the core), how each request settled (CallLog), which
 * server ran it (ExecLog), the heartbeat timeouts the simulated sockets counted.
 * test/sim/scenarios.test.ts calls the expectation of a scenario after running it. h0 is
 * the server every fault is aimed at; h0, h1, h2 serve t0; h1 to h4 call it (h0 too).
 */
import assert from "node:assert/strict";
import { KIND, OUTCOME } from "../../sim/history/call-log.js";
import { serverKey } from "../../sim/history/exec-log.js";
import { HEALTH, type HealthCode } from "../../sim/history/routing-log.js";
import type { SimResult } from "../../sim/run.js";

/** The fault starts at 500 ms; heartbeats every 100 ms, closed 300 ms after a PING: the bound is 400 ms. */
const FAULT_MS = 500;
const BOUND_MS = 400;
/** The checker's margin on this network (5 ms + 20 one-way delay scales). */
const MARGIN_MS = 10;
const CALLERS = [1, 2, 3, 4];

class Liveness {
  constructor(readonly r: SimResult) {}

  address(host: number): string {
    return this.r.cluster.hosts[host]!.incarnations[0]!.address!;
  }

  /** Times (ms) `client` changed its breaker for `server` to `to`. */
  changes(client: number, server: number, to: HealthCode): number[] {
    const out: number[] = [];
    const key = serverKey(client, 0);
    const address = this.address(server);
    for (const row of this.r.ctx.routing.entries())
      if (row.type === "transition" && row.client === key && row.address === address && row.to === to)
        out.push(row.atUs / 1000);
    return out;
  }

  /**
   * Times (ms) `client` picked `server` for a call or cast while its breaker held it in
   * `state` (recorded while some breaker of the client is not closed, or a fault cuts).
   */
  picks(client: number, server: number, state: HealthCode): number[] {
    const out: number[] = [];
    const key = serverKey(client, 0);
    const address = this.address(server);
    for (const row of this.r.ctx.routing.entries())
      if (row.type === "pick" && row.client === key && row.address === address && row.state === state)
        out.push(row.atUs / 1000);
    return out;
  }

  /** Requests (not probes of the liveness phase) that `pred` accepts. */
  requests(pred: (n: number) => boolean): number[] {
    const { calls } = this.r.ctx;
    const out: number[] = [];
    for (let n = 0; n < calls.size; n++) if (calls.probe[n] === 0 && pred(n)) out.push(n);
    return out;
  }

  issuedMs(n: number): number {
    return this.r.ctx.calls.issuedUs[n]! / 1000;
  }

  settledMs(n: number): number {
    return this.r.ctx.calls.settledUs[n]! / 1000;
  }

  ranOnH0(n: number): boolean {
    return this.r.ctx.exec.byServer.get(serverKey(0, 0))?.n.includes(n) ?? false;
  }

  /** Every caller of h0 opened its breaker for h0 within the heartbeat bound of the fault's start. */
  leftRoutingInTime(callers: readonly number[]): void {
    for (const c of callers) {
      const first = this.changes(c, 0, HEALTH.open)[0];
      assert.ok(
        first !== undefined && first > FAULT_MS && first <= FAULT_MS + BOUND_MS + MARGIN_MS,
        `h${c} believed h0 dead at ${first} ms`,
      );
      assert.ok(this.picks(c, 0, HEALTH["half-open"]).length > 0, `h${c} probed h0 after the cool-down`);
    }
  }

  /**
   * Requests from other callers settled without timing out; those that failed were held by
   * h0 when its connection dropped (MessageDeliveryFailure naming it, at the trip, not
   * idempotent); every one issued after the bound, until `untilMs`, was answered.
   */
  failedOverNotTimedOut(untilMs: number): void {
    const { calls } = this.r.ctx;
    const mine = this.requests((n) => calls.host[n] !== 0);
    assert.deepEqual(
      mine.filter((n) => calls.outcome[n] === OUTCOME.timedOut),
      [],
      "no timeout",
    );
    const failed = mine.filter((n) => calls.outcome[n] === OUTCOME.failed);
    assert.ok(failed.length > 0, "some requests were held by h0 when it was dropped");
    for (const n of failed) {
      const f = calls.failures.get(n);
      assert.deepEqual([f?.name, f?.host], ["MessageDeliveryFailure", this.address(0)], `#${n}`);
      assert.ok(!calls.idempotent(n), `#${n} may move, so it moved`);
      assert.ok(this.settledMs(n) <= FAULT_MS + BOUND_MS + MARGIN_MS, `#${n} failed at ${this.settledMs(n)} ms`);
    }
    const after = mine.filter((n) => this.issuedMs(n) > FAULT_MS + BOUND_MS + MARGIN_MS && this.issuedMs(n) < untilMs);
    assert.ok(after.length > 0);
    for (const n of after) assert.equal(calls.outcome[n], OUTCOME.replied, `#${n} issued after the bound`);
  }

  heartbeatTimeouts(): number {
    return this.r.figures.heartbeatTimeouts!;
  }
}

export const LIVENESS_EXPECTATIONS: Record<string, (r: SimResult) => void> = {
  "hung-server-leaves-routing"(r) {
    const l = new Liveness(r);
    l.leftRoutingInTime(CALLERS);
    l.failedOverNotTimedOut(2000);
  },

  "busy-server-stays-routed"(r) {
    const l = new Liveness(r);
    const { calls } = r.ctx;
    assert.equal(l.heartbeatTimeouts(), 0, "no connection dropped: the I/O thread answered the PINGs");
    for (const c of CALLERS)
      assert.deepEqual(
        l.changes(c, 0, HEALTH.open).filter((t) => t < 2000),
        [],
        `h${c}`,
      );
    const waited = l.requests((n) => calls.host[n] !== 0 && calls.outcome[n] === OUTCOME.timedOut);
    assert.ok(waited.length > 0, "calls sent to the busy server waited and timed out");
    for (const n of waited) assert.ok(!l.ranOnH0(n) || l.settledMs(n) <= 2000, `#${n}`);
    assert.equal(
      l.requests((n) => calls.outcome[n] === OUTCOME.failed).length,
      0,
      "nothing was believed dead, so nothing failed over",
    );
  },

  "partitioned-server-leaves-routing"(r) {
    const l = new Liveness(r);
    l.leftRoutingInTime(CALLERS);
    for (const s of [1, 2])
      assert.ok(l.changes(0, s, HEALTH.open)[0]! <= FAULT_MS + BOUND_MS + MARGIN_MS, `h0 -> h${s}`);
    assert.equal(
      l.heartbeatTimeouts(),
      2 * r.ctx.routing.cutLinks.length,
      "both sides of every cut connection closed it",
    );
    l.failedOverNotTimedOut(2000);
  },

  "healed-partition-returns"(r) {
    const l = new Liveness(r);
    const { calls } = r.ctx;
    l.leftRoutingInTime(CALLERS);
    const healMs = 1300;
    for (const c of CALLERS) {
      const probe = l.picks(c, 0, HEALTH["half-open"]).find((t) => t >= healMs);
      const closed = l.changes(c, 0, HEALTH.closed).find((t) => t >= healMs);
      assert.ok(probe !== undefined && closed !== undefined && closed >= probe, `h${c} probed h0, then closed it`);
      assert.ok(
        l.requests((n) => calls.host[n] === c && l.issuedMs(n) > closed && l.ranOnH0(n)).length > 0,
        `h${c} sends h0 work again once its breaker closed`,
      );
    }
  },

  "breaker-soft-failures"(r) {
    const l = new Liveness(r);
    const { calls } = r.ctx;
    assert.equal(l.heartbeatTimeouts(), 0, "no connection was dropped: the breaker opened on failed sends alone");
    const opened = CALLERS.filter((c) => l.changes(c, 0, HEALTH.open).some((t) => t > FAULT_MS && t < 1500));
    assert.ok(opened.length > 0, "a caller's breaker opened for h0 while it was paused");
    for (const c of opened) {
      // Closed again by then: after the pause, or already during it when a probe's send was
      // accepted into h0's buffers (acks off: an accepted send is a sign of life) and no
      // later send of its own failed (a send in flight before an opening fails no probe).
      const lastOpen = Math.max(...l.changes(c, 0, HEALTH.open).filter((t) => t < 2500));
      const lastClose = Math.max(-1, ...l.changes(c, 0, HEALTH.closed).filter((t) => t < 2500));
      assert.ok(lastClose > lastOpen, `h${c} closed h0's breaker again (last opened ${lastOpen} ms)`);
      assert.ok(l.picks(c, 0, HEALTH["half-open"]).length > 0, `h${c} probed h0`);
    }
    assert.ok(
      l.requests((n) => calls.host[n] !== 0 && l.issuedMs(n) > 1700 && l.ranOnH0(n)).length > 0,
      "h0 gets work again",
    );
  },

  "one-way-delay"(r) {
    const l = new Liveness(r);
    const { calls } = r.ctx;
    assert.equal(l.heartbeatTimeouts(), 0);
    assert.equal(calls.failures.size, 0, "nothing failed or timed out");
    const inDelay = (n: number): boolean =>
      calls.kind[n] === KIND.call && l.issuedMs(n) >= FAULT_MS && l.issuedMs(n) < 1400;
    const latency = (n: number): number => l.settledMs(n) - l.issuedMs(n);
    const slow = l.requests((n) => inDelay(n) && calls.host[n] === 3 && calls.replyServer[n] === 0);
    assert.ok(slow.length > 0);
    for (const n of slow) assert.ok(latency(n) >= 150, `#${n} (h3 <- h0) took ${latency(n)} ms`);
    const others = l.requests((n) => inDelay(n) && !(calls.host[n] === 3 && calls.replyServer[n] === 0));
    for (const n of others) assert.ok(latency(n) < 150, `#${n} took ${latency(n)} ms`);
  },

  "one-way-delay-past-heartbeats"(r) {
    const l = new Liveness(r);
    const { calls } = r.ctx;
    assert.equal(l.heartbeatTimeouts(), 1, "h3's side of its connection to h0 timed out, no other");
    const trip = l.changes(3, 0, HEALTH.open)[0];
    assert.ok(trip !== undefined && trip <= FAULT_MS + BOUND_MS + MARGIN_MS, `h3 believed h0 dead at ${trip} ms`);
    for (const c of [1, 2, 4])
      assert.deepEqual(
        l.changes(c, 0, HEALTH.open).filter((t) => t < 2000),
        [],
      );
    const failed = [...calls.failures.keys()];
    assert.ok(failed.length > 0);
    for (const n of failed) {
      assert.equal(calls.host[n], 3, `#${n}`);
      assert.equal(calls.failures.get(n)?.host, l.address(0));
      assert.ok(l.ranOnH0(n), `#${n} ran on h0 all the same: it was slow, not dead`);
    }
    assert.ok(
      l.requests((n) => calls.host[n] === 3 && l.issuedMs(n) > 1500 && l.ranOnH0(n)).length > 0,
      "h3 sends h0 work again once the delay ends",
    );
  },

  "heartbeat-loss"(r) {
    const l = new Liveness(r);
    assert.equal(l.heartbeatTimeouts(), 0, "replies count as heard");
    assert.equal(r.ctx.calls.failures.size, 0);
    for (const c of CALLERS)
      assert.deepEqual(
        l.changes(c, 0, HEALTH.open).filter((t) => t < 2600),
        [],
        `h${c}`,
      );
  },
};
