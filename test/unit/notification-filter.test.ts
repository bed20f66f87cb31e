/**
 * Goal: NotificationFilter matches as oslo's notify/filter.py does (tag rocky-eol): every
 * field given must match; a string pattern is matched at the start of the value (Python's
 * re.match); a RegExp is used as given without keeping state; a key the data lacks, or a
 * value that is not a string, never matches; payload filters descend into nested objects.
 * Bad specs are TypeErrors at construction. Method: hand-built notifications.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NotificationFilter, type FilterSubject } from "../../src/internal.js";

const n = (over: Partial<FilterSubject> = {}): FilterSubject => ({
  ctx: { tenant: "t1", user: "u" },
  publisherId: "compute.host1",
  eventType: "compute.instance.create.end",
  metadata: { messageId: "1f0c", timestamp: "2024-05-01 12:00:00.000000" },
  payload: { instance: { state: "active", flavor: { name: "m1.small" } }, size: 3 },
  ...over,
});

test("notification filter - a string pattern matches at the start of the value, like Python's re.match", () => {
  assert.ok(new NotificationFilter({ eventType: "compute\\." }).match(n()));
  assert.ok(!new NotificationFilter({ eventType: "instance" }).match(n()), "not a search");
  assert.ok(new NotificationFilter({ eventType: ".*instance" }).match(n()));
  assert.ok(!new NotificationFilter({ eventType: "compute$" }).match(n()));
  assert.ok(new NotificationFilter({ publisherId: "compute" }).match(n()));
});

test("notification filter - a RegExp is used as given, and its g flag keeps no state between matches", () => {
  const f = new NotificationFilter({ eventType: /create/g });
  for (let i = 0; i < 3; i++) assert.ok(f.match(n()), `match ${i}`);
  assert.ok(new NotificationFilter({ eventType: /END$/i }).match(n()));
});

test("notification filter - every field given must match", () => {
  const f = new NotificationFilter({ eventType: "compute", publisherId: "network" });
  assert.ok(!f.match(n()));
  assert.ok(f.match(n({ publisherId: "network.host2" })));
  assert.ok(new NotificationFilter({}).match(n()), "an empty filter takes everything");
});

test("notification filter - context and metadata keys must be present with a matching string value", () => {
  assert.ok(new NotificationFilter({ context: { tenant: "t1$" } }).match(n()));
  assert.ok(!new NotificationFilter({ context: { tenant: "t2" } }).match(n()));
  assert.ok(!new NotificationFilter({ context: { project: ".*" } }).match(n()), "a missing key never matches");
  assert.ok(!new NotificationFilter({ context: { tenant: ".*" } }).match(n({ ctx: { tenant: 5 } })), "not a string");
  assert.ok(new NotificationFilter({ metadata: { timestamp: "2024-05" } }).match(n()));
  assert.ok(!new NotificationFilter({ metadata: { timestamp: "2023" } }).match(n()));
});

test("notification filter - payload filters descend into nested objects", () => {
  assert.ok(new NotificationFilter({ payload: { instance: { flavor: { name: "m1\\." } } } }).match(n()));
  assert.ok(!new NotificationFilter({ payload: { instance: { flavor: { name: "m2" } } } }).match(n()));
  assert.ok(!new NotificationFilter({ payload: { size: "3" } }).match(n()), "a number is not a string");
  assert.ok(!new NotificationFilter({ payload: { instance: { state: "a" } } }).match(n({ payload: "flat" })));
  assert.ok(!new NotificationFilter({ publisherId: "x" }).match(n({ publisherId: null })), "null publisher");
});

test("notification filter - bad specs are TypeErrors naming the field", () => {
  assert.throws(() => new NotificationFilter({ eventType: "(" }), /spec\.eventType must be a valid regular expression/);
  assert.throws(() => new NotificationFilter({ priority: "info" } as never), /has no field "priority"/);
  assert.throws(() => new NotificationFilter({ eventType: 5 } as never), TypeError);
  assert.throws(() => new NotificationFilter({ context: "x" } as never), /spec\.context must be an object of patterns/);
  assert.throws(() => new NotificationFilter({ context: { a: { b: "c" } } } as never), /spec\.context\.a must be/);
  assert.throws(() => new NotificationFilter(null as never), TypeError);
});
