/**
 * Goal: transport URLs parse as documented and every bad URL names the wrong part.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidTransportURL, parseTransportUrl } from "../../src/internal.js";

test("url - zmq:// is the in-process matchmaker", () => {
  assert.deepEqual(parseTransportUrl("zmq://"), { kind: "in-process" });
  assert.deepEqual(parseTransportUrl("zmq:///"), { kind: "in-process" });
});

test("url - zmq+redis with password, port and db", () => {
  assert.deepEqual(parseTransportUrl("zmq+redis://127.0.0.1:6380/2"), {
    kind: "redis",
    host: "127.0.0.1",
    port: 6380,
    db: 2,
  });
  assert.deepEqual(parseTransportUrl("zmq+redis://:s3cret@redis.local:6379"), {
    kind: "redis",
    host: "redis.local",
    port: 6379,
    db: 0,
    password: "s3cret",
  });
  assert.deepEqual(parseTransportUrl("zmq+redis://redis.local"), {
    kind: "redis",
    host: "redis.local",
    port: 6379,
    db: 0,
  });
});

test("url - zmq+sentinel with several sentinels and a master name", () => {
  assert.deepEqual(parseTransportUrl("zmq+sentinel://h1:26379,h2:26380/mymaster"), {
    kind: "sentinel",
    sentinels: [
      { host: "h1", port: 26379 },
      { host: "h2", port: 26380 },
    ],
    masterName: "mymaster",
    db: 0,
  });
});

test("url - bad URLs raise InvalidTransportURL naming the part", () => {
  const cases: [string, RegExp][] = [
    ["rabbit://x", /scheme/],
    ["zmq://somehost", /no host/],
    ["zmq+redis://h:99999", /port/],
    ["zmq+redis://h:6379/abc", /database/],
    ["zmq+sentinel://h1:1", /masterName/],
    ["nonsense", /scheme/],
  ];
  for (const [url, re] of cases) {
    assert.throws(
      () => parseTransportUrl(url),
      (e: unknown) => e instanceof InvalidTransportURL && re.test(e.message),
      url,
    );
  }
});
