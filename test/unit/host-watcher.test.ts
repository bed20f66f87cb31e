/**
 * Goal: the host watcher's waiting (spec/client.md, "Host waiting"): a sender waits for
 * the hosts of a key until its deadline, wakes on a watch notification, asks again every
 * interval, reports matchmaker failures as causes, and senders waiting for the same key
 * share one timer and one lookup per interval (no thundering herd during an outage).
 * Method: a scripted matchmaker that counts lookups; a manual clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HostWatcher, MatchmakerUnavailable, type Matchmaker } from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";

class ScriptedMatchmaker implements Matchmaker {
  hosts = new Map<string, string[]>();
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

const settle = () => new Promise((r) => setImmediate(r));

test("host-watcher - waiters of one key share one timer and one lookup per interval, and each ends at its own deadline", async () => {
  const clock = new ManualClock();
  const mm = new ScriptedMatchmaker();
  const w = new HostWatcher(mm, clock, 100);
  const ended: number[] = [];
  const waits = [250, 1000, 1000, 1000, 1000].map((deadline, i) =>
    w
      .waitForHosts(
        "k",
        deadline,
        () => false,
        () => undefined,
      )
      .then((h) => ended.push(i) && h),
  );
  await settle();
  assert.equal(mm.lookups, 5, "each sender asks once on its own");
  assert.equal(clock.pending, 1, "one timer for the key, not one per sender");
  for (let t = 0; t < 3; t++) {
    clock.advance(100);
    await settle();
  }
  assert.equal(mm.lookups, 5 + 3, "one lookup per interval for all five");
  clock.advance(50); // t = 350: past the first sender's deadline (250), which ended at its deadline poll
  await settle();
  assert.deepEqual(ended, [0]);
  assert.deepEqual(await waits[0], []);
  mm.hosts.set("k", ["tcp://h1:1"]); // appears without a notification: found at the next poll
  clock.advance(100);
  await settle();
  assert.deepEqual(await Promise.all(waits.slice(1)), [["tcp://h1:1"], ["tcp://h1:1"], ["tcp://h1:1"], ["tcp://h1:1"]]);
  assert.equal(clock.pending, 0, "no timer once nobody waits");
});

test("host-watcher - a watch notification ends the wait at once; a deadline with nothing found ends it with []", async () => {
  const clock = new ManualClock();
  const mm = new ScriptedMatchmaker();
  const w = new HostWatcher(mm, clock, 100);
  const a = w.waitForHosts(
    "a",
    10_000,
    () => false,
    () => undefined,
  );
  const b = w.waitForHosts(
    "b",
    30,
    () => false,
    () => undefined,
  );
  await settle();
  mm.announce("a", ["tcp://h2:1"]);
  assert.deepEqual(await a, ["tcp://h2:1"]);
  clock.advance(30);
  await settle();
  assert.deepEqual(await b, []);
  assert.equal(clock.pending, 0);
});

test("host-watcher - matchmaker failures are reported to every waiter as causes; a cancelled waiter ends at the next poll; close ends the rest", async () => {
  const clock = new ManualClock();
  const mm = new ScriptedMatchmaker();
  mm.down = true;
  const w = new HostWatcher(mm, clock, 100);
  const causes: unknown[][] = [[], [], []];
  let cancelled = false;
  const waits = [0, 1, 2].map((i) =>
    w.waitForHosts(
      "k",
      10_000,
      () => i === 1 && cancelled,
      (e) => causes[i]!.push(e),
    ),
  );
  await settle();
  assert.deepEqual(
    causes.map((c) => c.length),
    [1, 1, 1],
  );
  clock.advance(100);
  await settle();
  assert.deepEqual(
    causes.map((c) => c.length),
    [2, 2, 2],
    "one shared lookup, its failure told to each waiter",
  );
  assert.ok(causes.every((c) => c.every((e) => e instanceof MatchmakerUnavailable)));
  cancelled = true;
  clock.advance(100);
  await settle();
  assert.deepEqual(await waits[1], [], "the cancelled waiter ended");
  w.close();
  assert.deepEqual(await Promise.all([waits[0], waits[2]]), [[], []]);
  assert.equal(clock.pending, 0, "close leaves no timer");
});
