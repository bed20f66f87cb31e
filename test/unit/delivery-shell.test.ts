/**
 * Goal: the delivery shell carries out the delivery core's effects with the ports and
 * reports their outcomes (spec/delivery.md, spec/client.md "Delivery shell"): the common
 * call is sent synchronously with no lookup and no extra timer; senders waiting for a key
 * share one lookup in flight and one poll per interval, each ending at its own deadline;
 * a watch notification looks the key up at once; lookup failures become causes; a send
 * that waits for a socket gets the pool's timeout as its cause; a host list at hand after
 * a failed send is given right after the input; close leaves no timer; failures are
 * classified for the core.
 * Method: a scripted matchmaker that counts lookups, a fake pool whose leases and acquires
 * the test settles, and a manual clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DeliveryShell,
  MatchmakerUnavailable,
  MessagingTimeout,
  Outbound,
  PortError,
  SocketPoolError,
  TransportClosed,
  sendFailureOf,
  zeroClientStats,
  type Lease,
  type OutFrame,
  type Matchmaker,
} from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";

class ScriptedMatchmaker implements Matchmaker {
  hosts = new Map<string, string[]>();
  /** Keys whose hosts peekHosts answers (the hot path's synchronous lookup). */
  atHand = false;
  down = false;
  lookups = 0;
  private listeners = new Set<(key: string) => void>();
  register(): Promise<void> {
    return Promise.resolve();
  }
  unregister(): Promise<void> {
    return Promise.resolve();
  }
  getHosts(key: string): Promise<string[]> {
    this.lookups++;
    if (this.down) return Promise.reject(new MatchmakerUnavailable("down"));
    return Promise.resolve(this.hosts.get(key) ?? []);
  }
  peekHosts(key: string): readonly string[] | undefined {
    return this.atHand ? this.hosts.get(key) : undefined;
  }
  watch(l: (key: string) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  announce(key: string, hosts: string[]): void {
    this.hosts.set(key, hosts);
    for (const l of this.listeners) l(key);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A lease whose send the test settles. */
class FakeLease implements Lease {
  readonly slot = 1;
  released = 0;
  /** The time each release was given (undefined: the pool would read its clock). */
  readonly releasedAt: (number | undefined)[] = [];
  outcome?: { ok: () => void; fail: (e: unknown) => void };
  constructor(
    readonly peer: string,
    readonly acquiredAt: number | undefined,
  ) {}
  send(): Promise<void> {
    return new Promise((ok, fail) => this.sendThen([], 0, ok, fail));
  }
  sendThen(_frames: readonly OutFrame[], _deadlineMs: number, ok: () => void, fail: (e: PortError) => void): void {
    // The tests also fail sends with errors other than PortError (the shell must cope).
    this.outcome = { ok, fail: fail as (e: unknown) => void };
  }
  release(nowMs?: number): void {
    this.released++;
    this.releasedAt.push(nowMs);
  }
}

class FakePool {
  room = true;
  readonly leases: FakeLease[] = [];
  readonly acquires: { host: string; grant: (l: Lease) => void; refuse: (e: unknown) => void }[] = [];
  tryAcquire(host: string, nowMs?: number): Lease | undefined {
    if (!this.room) return undefined;
    const l = new FakeLease(host, nowMs);
    this.leases.push(l);
    return l;
  }
  acquire(host: string): Promise<Lease> {
    return new Promise((grant, refuse) => this.acquires.push({ host, grant, refuse }));
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function setup() {
  const clock = new ManualClock();
  const mm = new ScriptedMatchmaker();
  const pool = new FakePool();
  const seen: string[][] = [];
  const stats = zeroClientStats();
  const shell = new DeliveryShell({
    clock,
    matchmaker: mm,
    pool,
    hostSync: { observe: (_key, hosts) => void seen.push([...hosts]) },
    stats,
    hostWaitIntervalMs: 100,
    maxSockets: 4,
    acks: undefined,
  });
  let n = 0;
  const request = (kind: "call" | "cast", key: string, deadlineMs: number, retry: number | null = null) => {
    const out = new Outbound([Buffer.from("frames")]);
    const settled = new Promise<unknown>((resolve, reject) => {
      out.resolve = resolve;
      out.reject = reject;
    }).then(
      (v) => ({ ok: true, v }),
      (e: unknown) => ({ ok: false, v: e }),
    );
    const id = `r${n++}`;
    shell.start(id, kind, key, deadlineMs, retry, out, clock.nowMs(), "not-idempotent");
    return { id, settled };
  };
  return { clock, mm, pool, shell, stats, seen, request };
}

test("delivery shell - the common call: hosts at hand and a socket with room send at once, with no lookup and one timer; the reply releases its lease", async () => {
  const { clock, mm, pool, shell, request } = setup();
  mm.atHand = true;
  mm.hosts.set("k", ["tcp://a:1"]);
  const call = request("call", "k", 1000);
  assert.equal(pool.leases.length, 1, "sent synchronously");
  assert.equal(mm.lookups, 0);
  assert.equal(clock.pending, 1, "one timer, at the deadline");
  pool.leases[0]!.outcome!.ok();
  await flush();
  assert.equal(pool.leases[0]!.released, 0, "a call keeps its socket until its reply");
  clock.advance(7);
  shell.reply(call.id, true, "pong");
  assert.deepEqual(await call.settled, { ok: true, v: "pong" });
  assert.equal(pool.leases[0]!.released, 1);
  // The pool is given each input's time, not left to read the clock again.
  assert.equal(pool.leases[0]!.acquiredAt, 0, "acquired at the start's time");
  assert.deepEqual(pool.leases[0]!.releasedAt, [7], "released at the reply's time");
});

test("delivery shell - senders waiting for one key share one lookup in flight and one poll per interval, and each ends at its own deadline", async () => {
  const { clock, mm, pool, request } = setup();
  const first = request("call", "k", 250);
  const rest = [1, 2, 3].map(() => request("cast", "k", 1000));
  await flush();
  assert.equal(mm.lookups, 1, "one lookup for four senders");
  assert.equal(clock.pending, 1, "one timer for everything");
  for (let t = 0; t < 2; t++) {
    clock.advance(100);
    await flush();
  }
  assert.equal(mm.lookups, 3, "one lookup per interval for all of them");
  clock.advance(50); // t = 250: the first sender's deadline
  const r = await first.settled;
  assert.ok(!r.ok && r.v instanceof MessagingTimeout);
  mm.hosts.set("k", ["tcp://a:1"]); // appears without a notification: found at the next poll
  clock.advance(100);
  await flush();
  assert.equal(pool.leases.length, 3, "every waiting cast was sent");
  for (const l of pool.leases) l.outcome!.ok();
  assert.deepEqual(
    (await Promise.all(rest.map((c) => c.settled))).map((s) => s.ok),
    [true, true, true],
  );
});

test("delivery shell - a watch notification looks the key up at once", async () => {
  const { mm, pool, request } = setup();
  request("cast", "k", 10_000);
  await flush();
  mm.announce("k", ["tcp://a:1"]);
  await flush();
  assert.equal(mm.lookups, 2);
  assert.equal(pool.leases.length, 1);
});

test("delivery shell - lookup failures become the deadline error's cause; close settles the rest with TransportClosed and leaves no timer", async () => {
  const { clock, mm, shell, request } = setup();
  mm.down = true;
  const early = request("call", "k", 150);
  const late = request("call", "k", 10_000);
  await flush();
  clock.advance(150);
  const r = await early.settled;
  assert.ok(!r.ok && r.v instanceof MessagingTimeout);
  assert.ok((r.v as Error).cause instanceof MatchmakerUnavailable);
  assert.match((r.v as Error).message, /\(matchmaker unavailable\)$/);
  shell.close();
  const l = await late.settled;
  assert.ok(!l.ok && l.v instanceof TransportClosed);
  assert.equal(clock.pending, 0, "close leaves no timer");
});

test("delivery shell - a send that waits for a socket until its deadline gets the pool's timeout as cause; a socket granted afterwards is released", async () => {
  const { clock, mm, pool, request } = setup();
  mm.atHand = true;
  mm.hosts.set("k", ["tcp://a:1"]);
  pool.room = false;
  const call = request("call", "k", 300);
  assert.equal(pool.acquires.length, 1);
  clock.advance(300);
  const r = await call.settled;
  assert.ok(!r.ok && r.v instanceof MessagingTimeout);
  assert.ok((r.v as Error).cause instanceof SocketPoolError);
  const lease = new FakeLease("tcp://a:1", undefined);
  pool.acquires[0]!.grant(lease);
  await flush();
  assert.equal(lease.released, 1, "the late lease went straight back");
});

test("delivery shell - after a failed send, a host list at hand is given right after the input: the next host is tried at once", async () => {
  const { mm, pool, stats, request } = setup();
  mm.atHand = true;
  mm.hosts.set("k", ["tcp://a:1", "tcp://b:1"]);
  const cast = request("cast", "k", 1000);
  pool.leases[0]!.outcome!.fail(new PortError("EAGAIN", "send timeout"));
  await flush();
  assert.deepEqual(
    pool.leases.map((l) => [l.peer, l.released]),
    [
      ["tcp://a:1", 1],
      ["tcp://b:1", 0],
    ],
  );
  pool.leases[1]!.outcome!.ok();
  assert.equal((await cast.settled).ok, true);
  assert.equal(stats.sendRetries, 1);
});

test("delivery shell - failed sends are classified for the core: pool refusals by reason, ECLOSED, anything else", () => {
  assert.equal(sendFailureOf(SocketPoolError.exhausted("p", 1, 1)), "exhausted");
  assert.equal(sendFailureOf(SocketPoolError.timeout("p", 1)), "socket-timeout");
  assert.equal(sendFailureOf(SocketPoolError.hostRemoved("p")), "host-removed");
  assert.equal(sendFailureOf(new PortError("ECLOSED", "closed")), "closed");
  assert.equal(sendFailureOf(new PortError("EAGAIN", "full")), "send-error");
  assert.equal(sendFailureOf(new TransportClosed()), "send-error");
});

test("delivery shell - a request whose deadline is now (timeout 0) at a fractional time settles at once, unsent: rounding to whole ms never gives it time", async () => {
  const { clock, mm, pool, request } = setup();
  mm.atHand = true;
  mm.hosts.set("k", ["tcp://a:1"]);
  clock.advance(0.4);
  const cast = request("cast", "k", clock.nowMs());
  const later = request("cast", "k", clock.nowMs() + 0.2);
  assert.equal(pool.leases.length, 1, "only the request with time left was sent");
  const settled = await cast.settled;
  assert.equal(settled.ok, false);
  assert.ok(settled.v instanceof Error);
  pool.leases[0]!.outcome!.ok();
  assert.deepEqual(await later.settled, { ok: true, v: undefined }, "a deadline still ahead is rounded up, never down");
});
