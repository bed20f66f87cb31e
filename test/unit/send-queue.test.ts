/**
 * Goal: the send queue keeps zeromq.js's one-send-in-flight rule, bounds memory, sends in
 * order, skips messages whose deadline passed, and fails queued sends on close.
 * Method: a fake socket whose sends complete when the test says so; a manual clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PortError, SendQueue, type PortSocket } from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";

class FakeSocket {
  inFlight = 0;
  maxInFlight = 0;
  sent: string[] = [];
  private pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  send(frames: readonly Buffer[]): Promise<void> {
    if (this.inFlight > 0) return Promise.reject(new PortError("EBUSY", "busy"));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.sent.push(frames.map(String).join("|"));
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  complete(err?: Error): void {
    const p = this.pending.shift()!;
    this.inFlight--;
    if (err) p.reject(err);
    else p.resolve();
  }
}
const tick = () => new Promise((r) => setImmediate(r));

test("send-queue - one send in flight, in enqueue order", async () => {
  const sock = new FakeSocket();
  const q = new SendQueue(sock as unknown as PortSocket, new ManualClock(), 10);
  const done = ["a", "b", "c"].map((s) => q.enqueue([Buffer.from(s)]));
  await tick();
  assert.deepEqual(sock.sent, ["a"]);
  sock.complete();
  await tick();
  sock.complete();
  await tick();
  sock.complete();
  await Promise.all(done);
  assert.deepEqual(sock.sent, ["a", "b", "c"]);
  assert.equal(sock.maxInFlight, 1);
});

test("send-queue - bounded: one in flight plus maxQueued waiting; beyond that enqueue rejects with EAGAIN at once", async () => {
  const sock = new FakeSocket();
  const q = new SendQueue(sock as unknown as PortSocket, new ManualClock(), 2);
  const accepted = ["a", "b", "c"].map((s) => q.enqueue([Buffer.from(s)]));
  assert.equal(q.depth, 3);
  await assert.rejects(q.enqueue([Buffer.from("d")]), (e: unknown) => e instanceof PortError && e.code === "EAGAIN");
  for (let i = 0; i < 3; i++) {
    sock.complete();
    await tick();
  }
  await Promise.all(accepted);
  assert.deepEqual(sock.sent, ["a", "b", "c"]);
});

test("send-queue - a message whose deadline passed while queued is not sent", async () => {
  const sock = new FakeSocket();
  const clock = new ManualClock();
  const q = new SendQueue(sock as unknown as PortSocket, clock, 10);
  const a = q.enqueue([Buffer.from("a")]);
  const b = q.enqueue([Buffer.from("b")], 50);
  clock.advance(60);
  sock.complete();
  await a;
  await assert.rejects(b, (e: unknown) => e instanceof PortError && e.code === "EAGAIN");
  assert.deepEqual(sock.sent, ["a"]);
});

test("send-queue - a failed send rejects that message only; the queue goes on", async () => {
  const sock = new FakeSocket();
  const q = new SendQueue(sock as unknown as PortSocket, new ManualClock(), 10);
  const a = q.enqueue([Buffer.from("a")]);
  const b = q.enqueue([Buffer.from("b")]);
  sock.complete(new PortError("EHOSTUNREACH", "gone"));
  await assert.rejects(a, (e: unknown) => e instanceof PortError && e.code === "EHOSTUNREACH");
  await tick();
  sock.complete();
  await b;
});

test("send-queue - close rejects queued messages with ECLOSED and refuses new ones; whenIdle resolves", async () => {
  const sock = new FakeSocket();
  const q = new SendQueue(sock as unknown as PortSocket, new ManualClock(), 10);
  const a = q.enqueue([Buffer.from("a")]);
  const b = q.enqueue([Buffer.from("b")]);
  const idle = q.whenIdle();
  q.close();
  await assert.rejects(b, (e: unknown) => e instanceof PortError && e.code === "ECLOSED");
  await assert.rejects(q.enqueue([Buffer.from("c")]), (e: unknown) => e instanceof PortError && e.code === "ECLOSED");
  sock.complete();
  await a;
  await idle;
  assert.equal(q.depth, 0);
});

test("send-queue - onOutcome hears each send the socket settled: success true, failure false, ECLOSED and refusals not at all", async () => {
  const sock = new FakeSocket();
  const clock = new ManualClock();
  const outcomes: boolean[] = [];
  const q = new SendQueue(sock as unknown as PortSocket, clock, 1, (ok) => outcomes.push(ok));
  const a = q.enqueue([Buffer.from("a")]);
  const b = q.enqueue([Buffer.from("b")]);
  await assert.rejects(q.enqueue([Buffer.from("full")]), (e: unknown) => e instanceof PortError && e.code === "EAGAIN"); // refused: queue full
  sock.complete();
  await a;
  await tick();
  sock.complete(new PortError("EHOSTUNREACH", "gone"));
  await assert.rejects(b, (e: unknown) => e instanceof PortError && e.code === "EHOSTUNREACH");
  const c = q.enqueue([Buffer.from("c")]);
  sock.complete(new PortError("ECLOSED", "socket closed"));
  await assert.rejects(c, (e: unknown) => e instanceof PortError && e.code === "ECLOSED");
  await assert.rejects(
    q.enqueue([Buffer.from("late")], clock.nowMs()),
    (e: unknown) => e instanceof PortError && e.code === "EAGAIN",
  ); // refused: deadline passed
  assert.deepEqual(outcomes, [true, false]);
  assert.deepEqual(sock.sent, ["a", "b", "c"]);
});
