/**
 * The pool shell (src/pool/socket-pool.ts) over a scripted socket port and a manual
 * clock: it creates, reuses, evicts, recycles and closes real port sockets exactly as the
 * core decides, arms its timer for idle expiry and deadlines, and never sends on a
 * closed socket.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CryptoRng,
  formatHostEntry,
  generateCurveKeyPair,
  InProcessMatchmaker,
  HostSync,
  resolveOptions,
  SocketPool,
  SocketPoolError,
  TransportClosed,
  type DriverOptions,
  type Lease,
} from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";
import { FakeSocketFactory } from "./fake-sockets.js";

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const frames = [Buffer.from("m")];

function setup(pool: NonNullable<DriverOptions["pool"]> = {}, extra: DriverOptions = {}) {
  const clock = new ManualClock();
  const sockets = new FakeSocketFactory();
  const received: Buffer[][] = [];
  const options = resolveOptions({ lingerMs: 250, ...extra, pool: { maxSockets: 2, idleTimeoutMs: 1000, ...pool } });
  const p = new SocketPool({ sockets, clock, rng: new CryptoRng(), options, onFrames: (f) => received.push(f) });
  return { clock, sockets, pool: p, received };
}

test("socket pool - creates a socket on first use only and reuses it for the same peer", async () => {
  const { sockets, pool } = setup();
  assert.equal(sockets.dealers.length, 0, "no socket before the first acquire");
  const a = await pool.acquire("tcp://a:1", 500);
  const b = await pool.acquire("tcp://a:1", 500);
  assert.equal(sockets.dealers.length, 1);
  assert.equal(a.slot, b.slot);
  assert.deepEqual(sockets.dealers[0]!.connects, ["tcp://a:1"]);
  const m = pool.metrics();
  assert.deepEqual([m.created, m.reused, m.open, m.leases], [1, 1, 1, 2]);
  pool.close();
});

test("socket pool - sockets get a finite linger, immediate, and the configured send timeout", async () => {
  const { sockets, pool } = setup({}, { sendTimeoutMs: 300 });
  (await pool.acquire("tcp://a:1", 500)).release();
  const o = sockets.dealers[0]!.options;
  assert.equal(o.lingerMs, 250);
  assert.ok(Number.isFinite(o.lingerMs) && o.lingerMs! >= 0);
  assert.equal(o.immediate, true);
  assert.equal(o.sendTimeoutMs, 300);
  pool.close();
});

test("socket pool - when full, a new peer's acquire closes the least recently used idle socket", async () => {
  const { clock, sockets, pool } = setup({ maxSockets: 2 });
  (await pool.acquire("tcp://a:1", 5000)).release();
  clock.advance(10);
  (await pool.acquire("tcp://b:1", 5000)).release();
  clock.advance(10);
  (await pool.acquire("tcp://a:1", 5000)).release(); // a is now more recently used than b
  await pool.acquire("tcp://c:1", 5000);
  assert.deepEqual(
    sockets.open().map((s) => s.connects[0]),
    ["tcp://a:1", "tcp://c:1"],
  );
  assert.equal(pool.metrics().evicted, 1);
  assert.ok(pool.metrics().peakOpen <= 2);
  pool.close();
});

test("socket pool - when every socket is busy an acquire waits and gets the socket a release frees", async () => {
  const { sockets, pool } = setup({ maxSockets: 1 });
  const a = await pool.acquire("tcp://a:1", 5000);
  let got: Lease | undefined;
  const waiting = pool.acquire("tcp://b:1", 5000).then((l) => (got = l));
  await flush();
  assert.equal(got, undefined);
  assert.equal(pool.metrics().waiting, 1);
  assert.equal(pool.metrics().draining, 1, "the busy socket is drained to make room");
  a.release();
  await waiting;
  assert.equal(got!.peer, "tcp://b:1");
  assert.equal(sockets.open().length, 1);
  pool.close();
});

test("socket pool - a waiting acquire rejects with SocketPoolError timeout at its deadline, not before", async () => {
  const { clock, pool } = setup({ maxSockets: 1 });
  await pool.acquire("tcp://a:1", 10_000);
  const box: { err?: unknown } = {};
  void pool.acquire("tcp://b:1", 100).catch((e: unknown) => (box.err = e));
  clock.advance(99);
  await flush();
  assert.ok(box.err === undefined, "not rejected before its deadline");
  clock.advance(1);
  await flush();
  const err = box.err as unknown;
  assert.ok(err instanceof SocketPoolError && err.reason === "timeout", String(err));
  assert.equal(err.code, "MessageDeliveryFailure");
  pool.close();
});

test("socket pool - beyond maxWaiters an acquire fails at once with SocketPoolError exhausted", async () => {
  const { pool } = setup({ maxSockets: 1, maxWaiters: 1 });
  await pool.acquire("tcp://a:1", 10_000);
  void pool.acquire("tcp://b:1", 10_000).catch(() => undefined);
  await assert.rejects(
    pool.acquire("tcp://c:1", 10_000),
    (e: unknown) => e instanceof SocketPoolError && e.reason === "exhausted",
  );
  pool.close();
});

test("socket pool - an idle socket is closed by the pool's timer after idleTimeoutMs and not before", async () => {
  const { clock, sockets, pool } = setup({ idleTimeoutMs: 1000 });
  (await pool.acquire("tcp://a:1", 5000)).release();
  clock.advance(999);
  assert.equal(sockets.open().length, 1);
  clock.advance(1);
  assert.equal(sockets.open().length, 0);
  assert.deepEqual([pool.metrics().open, pool.metrics().recycledIdle], [0, 1]);
  assert.equal(clock.pending, 0, "no timer left once the pool is empty");
});

test("socket pool - recycleAfterFailures failed sends replace the socket; the next acquire gets a fresh one", async () => {
  const { sockets, pool } = setup({ recycleAfterFailures: 2 });
  sockets.sendOutcome = () => "EAGAIN";
  for (let i = 0; i < 2; i++) {
    const l = await pool.acquire("tcp://a:1", 5000);
    await assert.rejects(l.send(frames, 5000), { code: "EAGAIN" });
    l.release();
  }
  await flush();
  assert.equal(sockets.dealers[0]!.closed, true);
  assert.equal(pool.metrics().recycledFailed, 1);
  sockets.sendOutcome = () => "ok";
  const l = await pool.acquire("tcp://a:1", 5000);
  await l.send(frames, 5000);
  assert.equal(sockets.dealers.length, 2);
  assert.equal(sockets.dealers[1]!.sent.length, 1);
  pool.close();
});

test("socket pool - handshake errors count as failures and recycle an idle socket", async () => {
  const { sockets, pool } = setup({ recycleAfterFailures: 3 });
  (await pool.acquire("tcp://a:1", 5000)).release();
  const s = sockets.dealers[0]!;
  s.emit({ type: "handshake:error", address: "tcp://a:1", reason: "other" });
  s.emit({ type: "handshake:error", address: "tcp://a:1", reason: "other" });
  assert.equal(s.closed, false);
  s.emit({ type: "handshake:error", address: "tcp://a:1", reason: "other" });
  assert.equal(s.closed, true);
  assert.equal(pool.metrics().recycledFailed, 1);
});

test("socket pool - CURVE: a socket is a CURVE client with the transport's keys and connects to the entry's address naming its published key", async () => {
  const keys = generateCurveKeyPair();
  const server = generateCurveKeyPair();
  const { sockets, pool } = setup({}, { curve: keys });
  const entry = formatHostEntry("tcp://a:1", server.publicKey);
  (await pool.acquire(entry, 5000)).release();
  const s = sockets.dealers[0]!;
  assert.deepEqual(s.options.curveClient, { publicKey: keys.publicKey, secretKey: keys.secretKey });
  assert.deepEqual(s.connects, ["tcp://a:1"]);
  assert.deepEqual(s.connectOptions, [{ curveServerKey: server.publicKey }]);
  pool.close();
});

test("socket pool - CURVE: a CURVE pool never connects to an entry without a key, a plaintext one never to an entry with one; their sends fail EHANDSHAKE naming why", async () => {
  const keys = generateCurveKeyPair();
  const curve = setup({}, { curve: keys });
  const l1 = await curve.pool.acquire("tcp://plain:1", 5000);
  await assert.rejects(l1.send(frames, 5000), {
    code: "EHANDSHAKE",
    message: /published no CURVE key: this transport requires CURVE/,
  });
  assert.deepEqual(curve.sockets.dealers[0]!.connects, [], "no plaintext connection was made");
  const plain = setup();
  const l2 = await plain.pool.acquire(formatHostEntry("tcp://secure:1", keys.publicKey), 5000);
  await assert.rejects(l2.send(frames, 5000), {
    code: "EHANDSHAKE",
    message: /requires CURVE .* no DriverOptions\.curve/,
  });
  assert.deepEqual(plain.sockets.dealers[0]!.connects, []);
  curve.pool.close();
  plain.pool.close();
});

test("socket pool - CURVE with pinned server keys: an entry whose key is not pinned is never connected to; a pinned one is", async () => {
  const pinned = generateCurveKeyPair();
  const { sockets, pool } = setup({}, { curve: { ...generateCurveKeyPair(), allowedServerKeys: [pinned.publicKey] } });
  const forged = await pool.acquire(formatHostEntry("tcp://a:1", generateCurveKeyPair().publicKey), 5000);
  await assert.rejects(forged.send(frames, 5000), {
    code: "EHANDSHAKE",
    message: /not in curve\.allowedServerKeys \(an unknown or forged registration\)/,
  });
  assert.deepEqual(sockets.dealers[0]!.connects, []);
  (await pool.acquire(formatHostEntry("tcp://a:1", pinned.publicKey), 5000)).release();
  assert.deepEqual(sockets.dealers[1]!.connectOptions, [{ curveServerKey: pinned.publicKey }]);
  forged.release();
  pool.close();
});

test("socket pool - a final handshake error (the key refused) closes the socket at once; its send fails EHANDSHAKE naming the refusal; no peer-disconnect is reported", async () => {
  const clock = new ManualClock();
  const sockets = new FakeSocketFactory();
  const options = resolveOptions({ curve: generateCurveKeyPair(), pool: { recycleAfterFailures: 3 } });
  const disconnects: string[] = [];
  const pool = new SocketPool({
    sockets,
    clock,
    rng: new CryptoRng(),
    options,
    onFrames: () => undefined,
    onPeerDisconnect: (p) => disconnects.push(p),
  });
  const entry = formatHostEntry("tcp://a:1", generateCurveKeyPair().publicKey);
  const lease = await pool.acquire(entry, 5000);
  const s = sockets.dealers[0]!;
  sockets.sendOutcome = () => "EAGAIN"; // an immediate DEALER without a connection
  s.emit({ type: "handshake:error", address: "tcp://a:1", reason: "auth" });
  s.emit({ type: "disconnect", address: "tcp://a:1" });
  assert.equal(s.closed, true, "closed at once: libzmq will not try again");
  await assert.rejects(lease.send(frames, 5000), { code: "EHANDSHAKE", message: /refused this client's CURVE key/ });
  lease.release();
  assert.equal(pool.metrics().recycledFailed, 1);
  assert.deepEqual(disconnects, [], "a connection that never came up did not go down");
  pool.close();
});

test("socket pool - a handshake that fails and is retried ('other', a wrong server key) explains the send's EAGAIN as EHANDSHAKE; a completed handshake clears it", async () => {
  const { sockets, pool } = setup({ recycleAfterFailures: 5 }, { curve: generateCurveKeyPair() });
  const entry = formatHostEntry("tcp://a:1", generateCurveKeyPair().publicKey);
  const lease = await pool.acquire(entry, 5000);
  const s = sockets.dealers[0]!;
  sockets.sendOutcome = () => "EAGAIN";
  s.emit({ type: "handshake:error", address: "tcp://a:1", reason: "other" });
  assert.equal(s.closed, false, "libzmq tries again: the socket stays");
  await assert.rejects(lease.send(frames, 5000), {
    code: "EHANDSHAKE",
    message: /CURVE handshake with tcp:\/\/a:1 failed: the server hung up/,
  });
  s.emit({ type: "connect", address: "tcp://a:1" });
  await assert.rejects(lease.send(frames, 5000), { code: "EAGAIN" });
  lease.release();
  pool.close();
});

test("socket pool - a connection reported while connect() runs, then lost, is reported as a peer disconnect", async () => {
  const clock = new ManualClock();
  const sockets = new FakeSocketFactory();
  sockets.connectAtOnce = true;
  const disconnects: string[] = [];
  const pool = new SocketPool({
    sockets,
    clock,
    rng: new CryptoRng(),
    options: resolveOptions({}),
    onFrames: () => undefined,
    onPeerDisconnect: (p) => disconnects.push(p),
  });
  (await pool.acquire("tcp://a:1", 5000)).release();
  sockets.dealers[0]!.emit({ type: "disconnect", address: "tcp://a:1" });
  assert.deepEqual(disconnects, ["tcp://a:1"]);
  pool.close();
});

test("socket pool - a plaintext socket's hang-up mid-handshake ('other': a server going away) is not explained as a security failure", async () => {
  const { sockets, pool } = setup({ recycleAfterFailures: 5 });
  const lease = await pool.acquire("tcp://a:1", 5000);
  sockets.sendOutcome = () => "EAGAIN";
  sockets.dealers[0]!.emit({ type: "handshake:error", address: "tcp://a:1", reason: "other" });
  await assert.rejects(lease.send(frames, 5000), { code: "EAGAIN" });
  lease.release();
  pool.close();
});

test("socket pool - a removed host's busy socket keeps serving its lease and closes at release", async () => {
  const { sockets, pool } = setup();
  const l = await pool.acquire("tcp://a:1", 5000);
  pool.hostRemoved("tcp://a:1");
  assert.equal(sockets.dealers[0]!.closed, false, "not closed under a lease (a call's reply may still arrive)");
  await l.send(frames, 5000);
  l.release();
  assert.equal(sockets.dealers[0]!.closed, true);
  assert.equal(pool.metrics().closedHostRemoved, 1);
});

test("socket pool - host sync closes the socket of a host that leaves the in-process matchmaker", async () => {
  const { sockets, pool } = setup();
  const mm = new InProcessMatchmaker(new ManualClock());
  const sync = new HostSync(mm, (h) => pool.hostRemoved(h));
  await mm.register("topic", "tcp://a:1", null);
  await mm.register("topic.s1", "tcp://a:1", null);
  await mm.register("topic", "tcp://b:1", null);
  sync.observe("topic", await mm.getHosts("topic"));
  sync.observe("topic.s1", await mm.getHosts("topic.s1"));
  (await pool.acquire("tcp://a:1", 5000)).release();
  (await pool.acquire("tcp://b:1", 5000)).release();
  await mm.unregister("topic", "tcp://a:1");
  await flush();
  assert.equal(sockets.dealers[0]!.closed, false, "still listed under topic.s1");
  await mm.unregister("topic.s1", "tcp://a:1");
  await flush();
  assert.equal(sockets.dealers[0]!.closed, true);
  assert.equal(sockets.dealers[1]!.closed, false);
  sync.close();
  pool.close();
});

test("socket pool - replies received on a pooled socket reach onFrames", async () => {
  const { sockets, pool, received } = setup();
  await pool.acquire("tcp://a:1", 5000);
  sockets.dealers[0]!.deliver([Buffer.from("reply")]);
  await flush();
  assert.deepEqual(
    received.map((f) => f.toString()),
    ["reply"],
  );
  pool.close();
});

test("socket pool - close() closes every socket, rejects waiters with TransportClosed, leaves no timer, never sends after close", async () => {
  const { clock, sockets, pool } = setup({ maxSockets: 1 });
  const l = await pool.acquire("tcp://a:1", 5000);
  const waiting = pool.acquire("tcp://b:1", 5000);
  pool.close();
  await assert.rejects(waiting, TransportClosed);
  await assert.rejects(l.send(frames, 5000), { code: "ECLOSED" });
  await assert.rejects(pool.acquire("tcp://c:1", 5000), TransportClosed);
  assert.equal(sockets.open().length, 0);
  assert.equal(
    sockets.dealers.reduce((n, s) => n + s.sendsAfterClose, 0),
    0,
  );
  assert.equal(clock.pending, 0);
});

test("socket pool - a released lease cannot send, and release is idempotent", async () => {
  const { pool } = setup();
  const l = await pool.acquire("tcp://a:1", 5000);
  l.release();
  l.release();
  assert.equal(pool.metrics().leases, 0);
  await assert.rejects(l.send(frames, 5000), { code: "ECLOSED" });
  pool.close();
});

test("socket pool - the per-peer send queue is bounded: beyond maxQueuedSends a send is refused with EAGAIN", async () => {
  const { sockets, pool } = setup({}, { maxQueuedSends: 2 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const l = await pool.acquire("tcp://a:1", 5000);
  const s = sockets.dealers[0]!;
  const origSend = s.send.bind(s);
  s.send = (f) => gate.then(() => origSend(f));
  const sends = [l.send(frames, 5000), l.send(frames, 5000), l.send(frames, 5000)];
  await assert.rejects(l.send(frames, 5000), { code: "EAGAIN" });
  assert.equal(pool.metrics().queuedSends, 3);
  assert.equal(pool.metrics().maxQueueDepth, 3);
  release();
  await Promise.all(sends);
  assert.equal(pool.metrics().queuedSends, 0);
  assert.equal(pool.metrics().peakQueueDepth, 3);
  pool.close();
});

test("socket pool - maxInFlightPerPeer bounds the leases on one peer's socket; the next waits for a release", async () => {
  const { sockets, pool } = setup({ maxInFlightPerPeer: 2 });
  const a = await pool.acquire("tcp://a:1", 5000);
  await pool.acquire("tcp://a:1", 5000);
  let third: Lease | undefined;
  const waiting = pool.acquire("tcp://a:1", 5000).then((l) => (third = l));
  await flush();
  assert.equal(third, undefined);
  assert.equal(pool.metrics().waiting, 1);
  a.release();
  await waiting;
  assert.equal(third!.slot, a.slot, "same socket, no second socket to the peer");
  assert.equal(sockets.dealers.length, 1);
  pool.close();
});
