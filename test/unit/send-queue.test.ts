/**
 * Goal: the send queue keeps zeromq.js's one-send-in-flight rule, bounds memory, sends in
 * order, skips messages whose deadline passed, and fails queued sends on close.
 * Method: a fake socket whose sends complete when the test says so; a manual clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  batchBytes,
  coalescingOf,
  isBatch,
  PortError,
  SendQueue,
  splitBatch,
  type PortSocket,
} from "../../src/internal.js";
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

// --- coalescing (decision 0027) -------------------------------------------------------------

const msg = (id: string, peer?: string): Buffer[] => [
  ...(peer === undefined ? [] : [Buffer.from(peer)]),
  Buffer.alloc(0),
  Buffer.from("1.0"),
  Buffer.from("2"),
  Buffer.from(id),
  Buffer.from("[{},{}]"),
];
/** What each send carried: a message id, or the ids of a batch joined with "+". */
function carried(sent: readonly (readonly Buffer[])[], head: 0 | 1): string[] {
  return sent.map((frames) => {
    if (!isBatch(frames, head)) return frames[head + 3]!.toString();
    const s = splitBatch(frames, head);
    assert.ok(s.ok);
    return s.messages.map((m) => m[head + 3]!.toString()).join("+");
  });
}
class FrameSocket extends FakeSocket {
  frames: Buffer[][] = [];
  override send(frames: readonly Buffer[]): Promise<void> {
    this.frames.push([...frames]);
    return super.send(frames);
  }
}

test("send-queue coalescing - a message on an idle queue leaves alone at once; those queued behind it leave as one batch, each settling with it", async () => {
  const sock = new FrameSocket();
  const q = new SendQueue(sock as unknown as PortSocket, new ManualClock(), 100, undefined, undefined, {
    head: 0,
    maxMessages: 64,
    maxBytes: 1 << 20,
  });
  const done = ["a", "b", "c", "d"].map((id) => q.enqueue(msg(id)));
  await tick();
  assert.deepEqual(carried(sock.frames, 0), ["a"]);
  sock.complete();
  await tick();
  assert.deepEqual(carried(sock.frames, 0), ["a", "b+c+d"]);
  sock.complete();
  await Promise.all(done);
  assert.equal(sock.maxInFlight, 1);
});

test("send-queue coalescing - limits: at most maxMessages and maxBytes per batch; a message over maxBytes and one not batchable leave alone; order kept", async () => {
  const sock = new FrameSocket();
  const one = batchBytes(msg("b"), 0);
  const q = new SendQueue(sock as unknown as PortSocket, new ManualClock(), 100, undefined, undefined, {
    head: 0,
    maxMessages: 3,
    maxBytes: one * 2,
  });
  const big = msg("big");
  big[4] = Buffer.alloc(one * 3);
  const done = [
    q.enqueue(msg("a")),
    q.enqueue(msg("b")),
    q.enqueue(msg("c")),
    q.enqueue(msg("d")),
    q.enqueue(big),
    q.enqueue(msg("e")),
    q.enqueue(msg("f"), Infinity, false),
    q.enqueue(msg("g")),
  ];
  for (let i = 0; i < 7; i++) {
    await tick();
    sock.complete();
  }
  await Promise.all(done);
  assert.deepEqual(carried(sock.frames, 0), ["a", "b+c", "d", "big", "e", "f", "g"]);
});

test("send-queue coalescing - a ROUTER's batch goes to one peer; a message whose deadline passed is refused on the way; a failed batch send fails each of its messages", async () => {
  const sock = new FrameSocket();
  const clock = new ManualClock();
  const q = new SendQueue(sock as unknown as PortSocket, clock, 100, undefined, undefined, {
    head: 1,
    maxMessages: 64,
    maxBytes: 1 << 20,
  });
  const first = q.enqueue(msg("a", "p1"));
  const rest = [
    q.enqueue(msg("b", "p1")),
    q.enqueue(msg("late", "p1"), clock.nowMs() + 5),
    q.enqueue(msg("c", "p1")),
    q.enqueue(msg("d", "p2")),
    q.enqueue(msg("e", "p2")),
  ].map((p) =>
    p.then(
      () => "sent",
      (e: PortError) => e.code,
    ),
  );
  await tick();
  clock.advance(10);
  sock.complete();
  await tick();
  sock.complete(new PortError("EHOSTUNREACH", "gone"));
  await tick();
  sock.complete();
  await first;
  assert.deepEqual(carried(sock.frames, 1), ["a", "b+c", "d+e"]);
  assert.deepEqual(
    sock.frames.slice(1).map((f) => f[0]!.toString()),
    ["p1", "p2"],
  );
  assert.deepEqual(await Promise.all(rest), ["EHOSTUNREACH", "EAGAIN", "EHOSTUNREACH", "sent", "sent"]);
});

test("send-queue coalescing - coalescingOf: off when coalesceMaxMessages is 1; a batch stays within maxFrameBytes", () => {
  assert.equal(coalescingOf({ coalesceMaxMessages: 8, coalesceMaxBytes: 100, maxFrameBytes: 50 }, 0)?.maxBytes, 50);
  assert.equal(coalescingOf({ coalesceMaxMessages: 1, coalesceMaxBytes: 100 }, 0), undefined);
  assert.deepEqual(coalescingOf({ coalesceMaxMessages: 8, coalesceMaxBytes: 100 }, 1), {
    head: 1,
    maxMessages: 8,
    maxBytes: 100,
  });
});

test("send-queue - thousands queued leave in enqueue order, across the queue's compactions; depth counts them", async () => {
  const sock = new FakeSocket();
  const q = new SendQueue(sock as unknown as PortSocket, new ManualClock(), 10_000);
  const ids = Array.from({ length: 5000 }, (_, i) => String(i));
  const done = ids.map((id) => q.enqueue([Buffer.from(id)]));
  assert.equal(q.depth, 5000);
  for (let i = 0; i < 5000; i++) {
    await tick();
    sock.complete();
  }
  await Promise.all(done);
  assert.deepEqual(sock.sent, ids);
  assert.equal(q.depth, 0);
});
