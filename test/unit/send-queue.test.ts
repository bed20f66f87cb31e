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

/** A coalescing queue (limit 100 queued) over a socket that records each send's frames. */
function coalescingQueue(head: 0 | 1, maxMessages = 64, maxBytes = 1 << 20): { sock: FrameSocket; q: SendQueue } {
  const sock = new FrameSocket();
  const q = new SendQueue(sock as unknown as PortSocket, new ManualClock(), 100, undefined, undefined, {
    head,
    maxMessages,
    maxBytes,
  });
  return { sock, q };
}

test("send-queue coalescing - what one turn queues on an idle socket leaves together a microtask later; what queues behind a send leaves as one batch when it ends; each settles with its batch", async () => {
  const { sock, q } = coalescingQueue(0);
  const done = ["a", "b", "c", "d"].map((id) => q.enqueue(msg(id)));
  assert.deepEqual(carried(sock.frames, 0), [], "nothing sent in the enqueuing turn");
  await tick();
  assert.deepEqual(carried(sock.frames, 0), ["a+b+c+d"]);
  sock.complete();
  await Promise.all(done);
  const e = q.enqueue(msg("e"));
  await tick();
  assert.deepEqual(carried(sock.frames, 0), ["a+b+c+d", "e"], "a lone message leaves alone");
  const later = ["f", "g"].map((id) => q.enqueue(msg(id)));
  await tick();
  assert.deepEqual(carried(sock.frames, 0), ["a+b+c+d", "e"], "behind the send in flight");
  sock.complete();
  await tick();
  assert.deepEqual(carried(sock.frames, 0), ["a+b+c+d", "e", "f+g"]);
  sock.complete();
  await Promise.all([e, ...later]);
  assert.equal(sock.maxInFlight, 1);
});

test("send-queue coalescing - limits: at most maxMessages and maxBytes per batch; a message over maxBytes and one not batchable leave alone; order kept", async () => {
  const one = batchBytes(msg("b"), 0);
  const { sock, q } = coalescingQueue(0, 3, one * 2);
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
  for (let i = 0; i < 6; i++) {
    await tick();
    sock.complete();
  }
  await Promise.all(done);
  assert.deepEqual(carried(sock.frames, 0), ["a+b", "c+d", "big", "e", "f", "g"]);
  const other = new FrameSocket();
  const small = new SendQueue(other as unknown as PortSocket, new ManualClock(), 100, undefined, undefined, {
    head: 0,
    maxMessages: 2,
    maxBytes: 1 << 20,
  });
  const three = ["x", "y", "z"].map((id) => small.enqueue(msg(id)));
  await tick();
  assert.deepEqual(carried(other.frames, 0), ["x+y"], "maxMessages: 2");
  other.complete();
  await tick();
  other.complete();
  await Promise.all(three);
  assert.deepEqual(carried(other.frames, 0), ["x+y", "z"]);
});

test("send-queue coalescing - a message that cannot join a batch still goes to an idle socket at once, behind nothing", async () => {
  const { sock, q } = coalescingQueue(1);
  const p = q.enqueue(msg("alone", "p1"), Infinity, false);
  assert.deepEqual(carried(sock.frames, 1), ["alone"], "sent in the enqueuing turn");
  const behind = q.enqueue(msg("joins", "p1"));
  const plain = q.enqueue(msg("plain", "p1"), Infinity, false);
  sock.complete();
  await tick();
  sock.complete();
  await tick();
  sock.complete();
  await Promise.all([p, behind, plain]);
  assert.deepEqual(carried(sock.frames, 1), ["alone", "joins", "plain"], "FIFO: the plain one waits its turn");
});

test("send-queue coalescing - a ROUTER's batch goes to one peer; a message whose deadline passed is refused on the way; a failed batch send fails each of its messages", async () => {
  const sock = new FrameSocket();
  const clock = new ManualClock();
  const q = new SendQueue(sock as unknown as PortSocket, clock, 100, undefined, undefined, {
    head: 1,
    maxMessages: 64,
    maxBytes: 1 << 20,
  });
  const outcome = (p: Promise<void>) =>
    p.then(
      () => "sent",
      (e: PortError) => e.code,
    );
  const all = [
    q.enqueue(msg("a", "p1")),
    q.enqueue(msg("b", "p1")),
    q.enqueue(msg("late", "p1"), clock.nowMs() + 5),
    q.enqueue(msg("c", "p1")),
    q.enqueue(msg("d", "p2")),
    q.enqueue(msg("e", "p2")),
  ].map(outcome);
  clock.advance(10);
  await tick();
  sock.complete(new PortError("EHOSTUNREACH", "gone"));
  await tick();
  sock.complete();
  assert.deepEqual(carried(sock.frames, 1), ["a+b+c", "d+e"]);
  assert.deepEqual(
    sock.frames.map((f) => f[0]!.toString()),
    ["p1", "p2"],
  );
  assert.deepEqual(await Promise.all(all), ["EHOSTUNREACH", "EHOSTUNREACH", "EAGAIN", "EHOSTUNREACH", "sent", "sent"]);
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

test("send-queue - enqueueThen: the outcomes enqueue gives, through callbacks called once each and never before enqueueThen returns (refusals in a microtask); a batch's messages hear of its send in batch order", async () => {
  const { sock, q } = coalescingQueue(0);
  const heard: string[] = [];
  const listen = (id: string) =>
    [() => heard.push(`${id} sent`), (e: PortError) => heard.push(`${id} ${e.code}`)] as const;
  for (const id of ["a", "b", "c"]) q.enqueueThen(msg(id), Infinity, true, ...listen(id));
  assert.deepEqual(heard, [], "nothing heard in the enqueuing turn");
  await tick();
  assert.deepEqual(carried(sock.frames, 0), ["a+b+c"]);
  assert.deepEqual(heard, [], "not before the socket's send ends");
  sock.complete();
  await tick();
  assert.deepEqual(heard, ["a sent", "b sent", "c sent"]);

  // A failed batch send fails each of its messages, once.
  heard.length = 0;
  for (const id of ["d", "e"]) q.enqueueThen(msg(id), Infinity, true, ...listen(id));
  await tick();
  sock.complete(new PortError("EHOSTUNREACH", "gone"));
  await tick();
  assert.deepEqual(heard, ["d EHOSTUNREACH", "e EHOSTUNREACH"]);

  // Refusals: a deadline already passed on an idle queue, a full queue, a closed queue.
  heard.length = 0;
  const clock = new ManualClock();
  const small = new SendQueue(sock as unknown as PortSocket, clock, 1);
  small.enqueueThen(msg("late"), clock.nowMs(), false, ...listen("late"));
  small.enqueueThen(msg("f"), Infinity, false, ...listen("f"));
  small.enqueueThen(msg("g"), Infinity, false, ...listen("g"));
  small.enqueueThen(msg("h"), Infinity, false, ...listen("h"));
  assert.deepEqual(heard, [], "refusals too come after enqueueThen returns");
  await Promise.resolve();
  assert.deepEqual(heard, ["late EAGAIN", "h EAGAIN"], "deadline passed; full: f in flight, g waiting");
  sock.complete();
  await tick();
  sock.complete();
  await tick();
  small.enqueueThen(msg("j"), Infinity, false, ...listen("j"));
  small.enqueueThen(msg("k"), Infinity, false, ...listen("k"));
  small.close();
  assert.deepEqual(heard.slice(4), [], "close calls no callback before it returns (the pool closes queues mid-work)");
  small.enqueueThen(msg("i"), Infinity, false, ...listen("i"));
  await tick();
  assert.deepEqual(heard, ["late EAGAIN", "h EAGAIN", "f sent", "g sent", "k ECLOSED", "i ECLOSED"]);
  sock.complete();
  await tick();
  assert.deepEqual(heard.slice(6), ["j sent"], "the send in flight at close ends as the socket says");
});
