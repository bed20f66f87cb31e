/**
 * Goal: the notification dispatcher's decisions (core/notify-dispatcher.ts), the batch
 * collector (core/batch-collector.ts) and the message rules (core/notify-message.ts):
 * which priorities a listener registers for, which methods a priority reaches, the
 * requeue bound, batch grouping, batch sizes and times, and oslo's timestamp format.
 * Method: plain calls; the timestamp is compared with Date's rendering of the same time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  BatchCollector,
  checkNotification,
  checkNotificationEndpoints,
  groupByPriority,
  NotificationDispatcher,
  NotificationFilter,
  notificationTimestamp,
  priorityOf,
  requeueVerdict,
  type Priority,
} from "../../src/internal.js";

test("notify dispatcher - a listener registers for the priorities its endpoints have methods for, in oslo's order", () => {
  const d = new NotificationDispatcher([
    { error: () => 1, info: () => 1 },
    { info: () => 2, sample: () => 2 },
  ]);
  assert.deepEqual(d.priorities, ["info", "error", "sample"]);
  assert.equal(d.callbacks("info").length, 2, "every endpoint with the method, in endpoint order");
  assert.equal(d.callbacks("debug").length, 0);
});

test("notify dispatcher - endpoints are checked: objects, filterRule a NotificationFilter, some priority method", () => {
  assert.throws(() => checkNotificationEndpoints("L", {}), /L: endpoints must be an array/);
  assert.throws(() => checkNotificationEndpoints("L", [5]), /L: endpoints\[0\] must be an object/);
  assert.throws(() => checkNotificationEndpoints("L", [{ info() {}, filterRule: {} }]), /filterRule must be a/);
  assert.throws(() => checkNotificationEndpoints("L", [{ other() {} }]), /must have a method named after a priority/);
  assert.doesNotThrow(() =>
    checkNotificationEndpoints("L", [{ warn() {}, filterRule: new NotificationFilter({ eventType: "x" }) }]),
  );
});

test("notify dispatcher - requeue verdict: requeued while fewer than maxRequeues requeues happened, never without allowRequeue", () => {
  fc.assert(
    fc.property(fc.boolean(), fc.nat(20), fc.nat(20), (allow, requeues, max) => {
      assert.equal(requeueVerdict(allow, requeues, max), allow && requeues < max ? "requeue" : "drop");
    }),
  );
});

test("notify dispatcher - a batch is grouped by priority in oslo's order, each group in arrival order", () => {
  const items = (["error", "info", "error", "audit", "info"] as Priority[]).map((priority, i) => ({ priority, i }));
  assert.deepEqual(
    groupByPriority(items).map(([p, g]) => [p, g.map((x) => x.i)]),
    [
      ["audit", [3]],
      ["info", [1, 4]],
      ["error", [0, 2]],
    ],
  );
});

test("batch collector property - every item leaves once, in order, in batches of at most size; a batch leaves before its time only when full, and never stays past it", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 50 }),
      fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 60 }),
      (size, timeoutMs, gaps) => {
        const c = new BatchCollector<number>(size, timeoutMs);
        const out: number[][] = [];
        let now = 0;
        gaps.forEach((gap, i) => {
          const wake = c.wakeAtMs;
          const due = c.due(now + gap);
          if (due) {
            assert.ok(wake !== undefined && now + gap >= wake, "a batch leaves by time only once due");
            out.push(due);
          } else assert.ok(wake === undefined || now + gap < wake, "a due batch is never kept");
          now += gap;
          const full = c.add(i, now);
          if (full) {
            assert.equal(full.length, size, "an early batch is a full one");
            out.push(full);
          }
          if (c.waiting > 0) assert.ok(c.wakeAtMs! <= now + timeoutMs);
        });
        const rest = c.flush();
        if (rest) out.push(rest);
        assert.deepEqual(
          out.flat(),
          gaps.map((_, i) => i),
        );
        for (const b of out) assert.ok(b.length >= 1 && b.length <= size);
      },
    ),
  );
});

test("batch collector - a batch leaves timeoutMs after its first item, not before", () => {
  const c = new BatchCollector<string>(3, 100);
  assert.equal(c.add("a", 10), undefined);
  assert.equal(c.add("b", 60), undefined);
  assert.equal(c.wakeAtMs, 110);
  assert.equal(c.due(109), undefined);
  assert.deepEqual(c.due(110), ["a", "b"]);
  assert.equal(c.wakeAtMs, undefined);
  assert.throws(() => new BatchCollector(0, 1), RangeError);
});

test("notify message property - the timestamp is Python's str(datetime.utcnow()) of the same instant", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
      const iso = new Date(ms).toISOString(); // 2024-05-01T12:00:00.123Z
      assert.equal(notificationTimestamp(ms), `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`);
    }),
    { numRuns: 2000 },
  );
});

test("notify message - priorities are oslo's seven, any case; a message needs oslo's six fields of the right types", () => {
  assert.equal(priorityOf("INFO"), "info");
  assert.equal(priorityOf("Warn"), "warn");
  assert.equal(priorityOf("warning"), undefined);
  const good = {
    message_id: "m",
    publisher_id: null,
    event_type: "e",
    priority: "INFO",
    payload: null,
    timestamp: "t",
  };
  assert.equal(checkNotification(good), undefined);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...good, message_id: "" }, /message_id/],
    [{ ...good, publisher_id: 5 }, /publisher_id/],
    [{ ...good, event_type: null }, /event_type/],
    [{ ...good, priority: "LOUD" }, /priority/],
    [{ ...good, timestamp: 1 }, /timestamp/],
    [(({ payload, ...rest }) => rest)(good), /payload is missing/],
  ];
  for (const [m, reason] of bad) assert.match(checkNotification(m) ?? "", reason);
  assert.match(checkNotification([]) ?? "", /not an object/);
});
