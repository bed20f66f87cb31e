/**
 * What each acknowledged-delivery scenario (sim/scenarios/acks.ts) must show besides
 * passing every checker: read from the run's ground truth (which server process read and
 * ran what, how each request's promise settled, the servers' own stats where the scenario
 * is about them). test/sim/scenarios.test.ts calls the expectation of a scenario after
 * running it. Server h0 is the one every scenario's fault is aimed at; h0, h1 and h2
 * serve topic t0.
 */
import assert from "node:assert/strict";
import { KIND, OUTCOME } from "../../sim/history/call-log.js";
import { serverKey } from "../../sim/history/exec-log.js";
import type { FaultAction } from "../../sim/faults/actions.js";
import type { SimResult } from "../../sim/run.js";

const H0 = serverKey(0, 0);

/** Ground truth of one run, by request. */
class History {
  private readonly ran = new Map<number, number[]>();

  constructor(readonly r: SimResult) {
    for (const [key, runs] of r.ctx.exec.byServer)
      for (const n of runs.n) {
        const list = this.ran.get(n) ?? [];
        if (list.length === 0) this.ran.set(n, list);
        list.push(key);
      }
  }

  /** Server processes (serverKey) that ran request `n`, one entry per run. */
  ranOn(n: number): number[] {
    return this.ran.get(n) ?? [];
  }

  /** When server process `key` first read request `n` (virtual ms), if it did. */
  readMs(n: number, key = H0): number | undefined {
    const read = this.r.ctx.reads.readAt(n, key);
    return read === undefined ? undefined : read.atUs / 1000;
  }

  /** Calls and casts (not probes) that `pred` accepts. */
  requests(pred: (n: number) => boolean): number[] {
    const { calls } = this.r.ctx;
    const out: number[] = [];
    for (let n = 0; n < calls.size; n++)
      if (calls.kind[n] !== KIND.fanout && calls.probe[n] === 0 && pred(n)) out.push(n);
    return out;
  }

  /** The address h0's first process served on. */
  get h0Address(): string {
    return this.r.cluster.hosts[0]!.incarnations[0]!.address!;
  }

  /** Whether `n` may move: marked idempotent and addressed to the topic, not to one server. */
  mayMove(n: number): boolean {
    return this.r.ctx.calls.idempotent(n) && this.r.ctx.calls.server[n]! < 0;
  }

  /** Request `n` failed with MessageDeliveryFailure naming h0's address. */
  failedNamingH0(n: number): void {
    const f = this.r.ctx.calls.failures.get(n);
    assert.equal(this.r.ctx.calls.outcome[n], OUTCOME.failed, `#${n} failed`);
    assert.deepEqual([f?.name, f?.host], ["MessageDeliveryFailure", this.h0Address], `#${n}: ${JSON.stringify(f)}`);
  }

  /** Request `n` resolved, a call with the reply of a server other than h0, and it ran on one of them. */
  moved(n: number): void {
    const { calls } = this.r.ctx;
    assert.equal(calls.outcome[n], OUTCOME.replied, `idempotent #${n} resolved`);
    if (calls.kind[n] === KIND.call) assert.ok([1, 2].includes(calls.replyServer[n]!), `#${n} answered by h1 or h2`);
    assert.ok(
      this.ranOn(n).some((k) => k !== H0),
      `#${n} ran on another server`,
    );
  }

  timedOut(): number[] {
    return this.requests((n) => this.r.ctx.calls.outcome[n] === OUTCOME.timedOut);
  }

  fault(kind: FaultAction["kind"]): { startMs: number; endMs: number } {
    const f = this.r.ctx.faults.applied.find((a) => a.action.kind === kind)!;
    return { startMs: f.startUs / 1000, endMs: f.endUs / 1000 };
  }

  h0Stats(): { duplicates: number; repliesResent: number } {
    return this.r.cluster.hosts[0]!.incarnations[0]!.server!.stats;
  }
}

/**
 * Requests h0 read only once its fault ended (they waited for it, held): each moved to
 * another server when it may, failed naming h0 when it may not, or, sent in the fault's
 * last moments, was acknowledged by h0 itself; never a timeout. Returns [moved, failed].
 */
function heldUntilTheEnd(h: History, endMs: number, callerNotH0 = false): [number, number] {
  const { calls } = h.r.ctx;
  const held = h.requests((n) => (h.readMs(n) ?? -1) >= endMs && !(callerNotH0 && calls.host[n] === 0));
  let moved = 0;
  let failed = 0;
  for (const n of held) {
    const byH0 = calls.outcome[n] === OUTCOME.replied && calls.settledUs[n]! / 1000 >= endMs && h.ranOn(n).length === 1;
    if (byH0) continue; // its ACK (or reply) came once h0 was back
    if (h.mayMove(n)) {
      h.moved(n);
      moved++;
    } else {
      h.failedNamingH0(n);
      assert.ok(calls.settledUs[n]! / 1000 < endMs, `#${n} failed while h0 was silent`);
      failed++;
    }
  }
  return [moved, failed];
}

export const ACK_EXPECTATIONS: Record<string, (r: SimResult) => void> = {
  "ack-server-hangs"(r) {
    const h = new History(r);
    const [moved, failed] = heldUntilTheEnd(h, h.fault("pause").endMs);
    assert.ok(moved > 0 && failed > 0, `moved ${moved}, failed ${failed}`);
    assert.ok(h.h0Stats().duplicates > 0, "the resends queued behind the first copies were duplicates");
    assert.deepEqual(h.timedOut(), [], "failover, not timeouts");
  },

  "ack-lost"(r) {
    const h = new History(r);
    const { calls } = r.ctx;
    assert.equal(calls.failures.size, 0, "every request succeeded");
    assert.ok(h.h0Stats().duplicates > 0, "copies sent again reached h0");
    const drop = h.fault("drop");
    let waited = 0;
    for (const n of h.requests((x) => h.readMs(x) !== undefined)) {
      assert.deepEqual(h.ranOn(n), [H0], `#${n} ran once, on h0 only (nothing moved)`);
      const read = h.readMs(n)!;
      const latency = (calls.settledUs[n]! - calls.issuedUs[n]!) / 1000;
      if (calls.kind[n] === KIND.cast && read >= drop.startMs && read < drop.endMs && latency >= 50) waited++;
    }
    assert.ok(waited > 0, "a cast whose ACK was lost resolved only when a later copy's ACK came");
  },

  "reply-lost"(r) {
    const h = new History(r);
    const { calls } = r.ctx;
    assert.ok(h.h0Stats().repliesResent > 0 && h.h0Stats().duplicates > 0, JSON.stringify(h.h0Stats()));
    const resent = h.requests(
      (n) => calls.host[n] === 3 && calls.kind[n] === KIND.call && inWindow(h.readMs(n), 300, 400),
    );
    assert.ok(resent.length > 0);
    for (const n of resent) {
      assert.equal(calls.outcome[n], OUTCOME.replied, `#${n} from h3 got its reply in the end`);
      assert.equal(calls.replyServer[n], 0);
      assert.deepEqual(h.ranOn(n), [H0], `#${n} ran once`);
    }
    const lost = h.timedOut();
    assert.ok(lost.length > 0, "a reply lost after its ACK is not recovered");
    for (const n of lost) {
      assert.equal(calls.host[n], 4);
      assert.ok(inWindow(h.readMs(n), 600, 700), `#${n} was read by h0 while its replies to h4 were lost`);
      assert.equal(calls.failures.get(n)?.name, "MessagingTimeout");
      assert.deepEqual(h.ranOn(n), [H0], `#${n} ran once, and was not sent again`);
    }
    assert.equal(calls.failures.size, lost.length, "nothing else failed");
  },

  "request-lost"(r) {
    const h = new History(r);
    const { calls } = r.ctx;
    const late = h.requests(
      (n) =>
        calls.host[n] === 3 &&
        inWindow(calls.issuedUs[n]! / 1000, 300, 350) &&
        (h.readMs(n) ?? 0) - calls.issuedUs[n]! / 1000 >= 20,
    );
    assert.ok(late.length > 0, "a request h0 read only from a resend");
    for (const n of late) {
      assert.equal(calls.outcome[n], OUTCOME.replied, `#${n}`);
      assert.deepEqual(h.ranOn(n), [H0], `#${n} ran once`);
    }
    const failed = [...calls.failures.keys()];
    assert.ok(
      failed.some((n) => calls.server[n]! < 0),
      "a non-idempotent request to the topic failed rather than move",
    );
    for (const n of failed) {
      h.failedNamingH0(n);
      assert.ok(calls.host[n] === 3 && !h.mayMove(n) && inWindow(calls.issuedUs[n]! / 1000, 500, 800), `#${n}`);
      assert.deepEqual(h.ranOn(n), [], `#${n} never reached a server`);
    }
    const mayMove = h.requests(
      (n) => calls.host[n] === 3 && h.mayMove(n) && inWindow(calls.issuedUs[n]! / 1000, 500, 800),
    );
    for (const n of mayMove) assert.equal(calls.outcome[n], OUTCOME.replied, `idempotent #${n} from h3`);
  },

  "ack-partition-resends"(r) {
    const h = new History(r);
    const [moved, failed] = heldUntilTheEnd(h, h.fault("isolate").endMs, true);
    assert.ok(moved > 0 && failed > 0, `moved ${moved}, failed ${failed}`);
    const both = h.requests((n) => h.mayMove(n) && h.ranOn(n).length === 2);
    assert.ok(both.length > 0, "an idempotent request ran on h0 when the link healed and on the server it moved to");
    const held = h.requests((n) => (h.readMs(n) ?? -1) >= h.fault("isolate").endMs && !h.mayMove(n));
    for (const n of held) assert.deepEqual(h.ranOn(n), [H0], `non-idempotent #${n} ran on h0 only`);
    assert.ok(h.h0Stats().duplicates > 0, "resends held behind the first copies were duplicates");
    assert.deepEqual(h.timedOut(), []);
  },

  "crash-after-ack"(r) {
    const h = new History(r);
    const { calls } = r.ctx;
    const crash = r.ctx.faults.crashes[0]!;
    assert.equal(crash.host, 0);
    const crashMs = crash.atUs / 1000;
    const inFlight = h.requests(
      (n) => h.readMs(n) !== undefined && calls.host[n] !== 0 && calls.settledUs[n]! / 1000 >= crashMs,
    );
    let moved = 0;
    let failed = 0;
    for (const n of inFlight) {
      if (calls.kind[n] === KIND.cast) {
        assert.equal(calls.outcome[n], OUTCOME.replied, `cast #${n} was acknowledged`);
        assert.ok(h.ranOn(n).includes(H0));
      } else if (h.mayMove(n)) {
        h.moved(n);
        assert.ok(h.ranOn(n).includes(H0), `#${n} ran on h0 before it died`);
        moved++;
      } else {
        h.failedNamingH0(n);
        assert.ok(calls.settledUs[n]! / 1000 - crashMs < 5, `#${n} learnt it at once, from the dropped connection`);
        failed++;
      }
    }
    assert.ok(moved > 0 && failed > 0, `moved ${moved}, failed ${failed}`);
  },
};

function inWindow(ms: number | undefined, fromMs: number, toMs: number): boolean {
  return ms !== undefined && ms >= fromMs && ms < toMs;
}
