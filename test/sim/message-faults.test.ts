/**
 * The faults that single out messages by kind (sim/net/message-faults.ts): the wire type
 * is read where the codec writes it, a drop loses exactly the messages of its kind on its
 * link for its window and nothing else, and a crashAfter crashes its host in the instant
 * its first message of the kind reaches the peer, which still reads that message.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeAck, encodeReply, encodeRequest, MessageType } from "../../src/core/codec.js";
import { isBatch, joinBatch, splitBatch } from "../../src/core/batch-frames.js";
import { KIND, OUTCOME } from "../../sim/history/call-log.js";
import { FAULTS_NONE } from "../../sim/faults/options.js";
import { describeFault, type FaultAction } from "../../sim/faults/actions.js";
import { MessageFaults, wireType } from "../../sim/net/message-faults.js";
import { runSimulation, type SimResult } from "../../sim/run.js";

/** h0 and h1 serve t0; h2 and h3 call it. Calls from 100 ms to 700 ms. */
const base = {
  seed: 3,
  cluster: { hosts: 4, servers: 2, serversPerTopic: 2, topicsPerClient: 1 },
  workload: { calls: 300, ratePerSec: 500, timeoutMs: 100, mix: { call: 1, cast: 0, fanout: 0 } },
  faults: FAULTS_NONE,
};

/** Calls answered by, or lost on the way back from, server `h` (its ExecLog runs) issued in [fromMs, toMs). */
function callsRunOn(r: SimResult, h: number, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  const runs = r.ctx.exec.byServer.get(h * 1_000_000)!;
  for (const n of runs.n) {
    const at = r.ctx.calls.issuedUs[n]! / 1000;
    if (r.ctx.calls.kind[n] === KIND.call && at >= fromMs && at < toMs) out.push(n);
  }
  return out;
}

describe("sim message faults", () => {
  it("the wire type is the third frame of a request as a DEALER writes it and of a reply or ACK as a DEALER reads it", () => {
    const peer = Buffer.from("peer");
    const msg = { method: "echo", args: {} };
    assert.equal(wireType(encodeRequest(MessageType.CALL, "m1", {}, msg)), 1);
    assert.equal(wireType(encodeRequest(MessageType.CAST, "m1", {}, msg)), 2);
    assert.equal(wireType(encodeRequest(MessageType.CAST_FANOUT, "m1", {}, msg)), 3);
    assert.equal(wireType(encodeReply(peer, "m1", 1, null).slice(1)), 5);
    assert.equal(wireType(encodeAck(peer, "m1").slice(1)), 6);
    assert.equal(wireType([Buffer.from("")]), 0);
  });

  it("a drop rule matches its sender, peer and kind only, until it is lifted; a watch fires once", () => {
    const m = new MessageFaults();
    const ack = encodeAck(Buffer.from("p"), "m").slice(1);
    const reply = encodeReply(Buffer.from("p"), "m", 1, null).slice(1);
    const lost: number[] = [];
    const dropped = (src: number, dst: number, frames: Buffer[]): boolean =>
      m.keep(src, dst, frames, (t) => lost.push(t)) === undefined;
    const lift = m.drop(0, 3, "ack");
    assert.deepEqual(
      [dropped(0, 3, ack), dropped(0, 2, ack), dropped(1, 3, ack), dropped(0, 3, reply)],
      [true, false, false, false],
    );
    assert.deepEqual(lost, [6]);
    const liftAny = m.drop(1, -1, "reply");
    assert.equal(dropped(1, 2, reply), true);
    lift();
    lift();
    liftAny();
    assert.equal(dropped(0, 3, ack), false);
    assert.equal(m.active, 0);
    const seen: number[] = [];
    const cancel = m.watch(0, -1, "ack", (to) => seen.push(to));
    m.delivered(0, 2, reply);
    m.delivered(0, 2, ack);
    m.delivered(0, 3, ack);
    cancel();
    assert.deepEqual(seen, [2]);
    assert.equal(m.active, 0, "a fired watch no longer counts, and cancelling it after does nothing");
  });

  it("in a batch envelope a drop rule takes out only the messages of its kind; a watch fires on one inside a batch", () => {
    const m = new MessageFaults();
    const p = Buffer.from("p");
    const batch = joinBatch(
      [encodeAck(p, "a1").slice(1), encodeReply(p, "r1", 1, null).slice(1), encodeAck(p, "a2").slice(1)],
      0,
    );
    const lost: number[] = [];
    m.drop(0, 3, "ack");
    const kept = m.keep(0, 3, batch, (t) => lost.push(t));
    assert.deepEqual(lost, [6, 6]);
    assert.ok(kept !== undefined && isBatch(kept, 0));
    const split = splitBatch(kept, 0);
    assert.ok(split.ok);
    assert.deepEqual(
      split.messages.map((f) => f[3]!.toString()),
      ["r1"],
    );
    assert.equal(
      m.keep(0, 2, batch, () => undefined),
      batch,
      "another peer: the batch passes untouched",
    );
    const onlyAcks = joinBatch([encodeAck(p, "a1").slice(1), encodeAck(p, "a2").slice(1)], 0);
    assert.equal(
      m.keep(0, 3, onlyAcks, () => undefined),
      undefined,
      "nothing left: the message is lost",
    );
    const seen: number[] = [];
    m.watch(0, -1, "reply", (to) => seen.push(to));
    m.delivered(0, 4, batch);
    assert.deepEqual(seen, [4]);
  });

  it("dropping h0's replies to h3 for 200 ms: those calls ran once and timed out, every other call was answered", async () => {
    const drop: FaultAction = { kind: "drop", atMs: 300, forMs: 200, from: 0, to: 3, message: "reply" };
    assert.equal(describeFault(drop), '.at(300).drop("reply", { from: 0, to: 3, forMs: 200 })');
    const r = await runSimulation({ ...base, schedule: [drop] });
    assert.deepEqual(r.violations, []);
    const { calls, exec } = r.ctx;
    const lost = callsRunOn(r, 0, 300, 500).filter((n) => calls.host[n] === 3);
    assert.ok(lost.length >= 10, `calls from h3 answered by h0 in the window: ${lost.length}`);
    for (const n of lost) {
      assert.equal(calls.outcome[n], OUTCOME.timedOut, `call #${n}`);
      assert.equal(exec.runs[n], 1);
    }
    assert.equal(r.figures.droppedByFault, lost.length, "one reply lost per call, nothing else");
    let timedOut = 0;
    for (let n = 0; n < calls.size; n++) if (calls.outcome[n] === OUTCOME.timedOut) timedOut++;
    assert.equal(timedOut, lost.length, "no other call timed out");
  });

  it("crashAfter(h0, reply): h0 dies in the instant its first reply reaches the caller, which resolves with it", async () => {
    const crash: FaultAction = {
      kind: "crashAfter",
      atMs: 300,
      host: 0,
      message: "reply",
      to: null,
      restartAfterMs: 100,
    };
    assert.equal(describeFault(crash), '.at(300).crashAfter(0, "reply", { restartAfterMs: 100 })');
    const r = await runSimulation({ ...base, schedule: [crash] });
    assert.deepEqual(r.violations, []);
    const { crashes, applied } = r.ctx.faults;
    assert.equal(crashes.length, 1);
    const c = crashes[0]!;
    assert.equal(c.host, 0);
    assert.ok(c.atUs >= 300_000, "armed at 300 ms");
    // The reply that triggered it arrived in the crash's instant; its caller read it a
    // read latency later, before the reset (at least oneWayDelayMsMin behind it) arrived.
    const { calls } = r.ctx;
    const trigger = callsRunOn(r, 0, 0, Infinity).filter(
      (n) => calls.outcome[n] === OUTCOME.replied && calls.settledUs[n]! >= c.atUs,
    );
    assert.equal(trigger.length, 1, "one call answered by h0 settled at or after the crash");
    assert.ok(calls.settledUs[trigger[0]!]! - c.atUs <= 50, "read right after the crash instant");
    assert.equal(r.cluster.hosts[0]!.incarnations.length, 2, "restarted");
    assert.equal(applied[0]!.endUs, c.atUs + 100_000, "the fault lasts until the restart");
  });
});
