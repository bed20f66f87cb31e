/**
 * Goal: transport URLs parse as documented (users, passwords with percent-encoding, TLS
 * schemes, Sentinel credentials) and every bad URL names the wrong part without showing
 * the password.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidTransportURL, parseTransportUrl, Secret } from "../../src/internal.js";

/** The parsed spec with its Secrets revealed, for deepEqual (Secrets all look alike to it). */
function revealed(url: string): unknown {
  return Object.fromEntries(
    Object.entries(parseTransportUrl(url)).map(([k, v]) => [k, v instanceof Secret ? `secret:${v.reveal()}` : v]),
  );
}

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
  assert.deepEqual(revealed("zmq+redis://:s3cret@redis.local:6379"), {
    kind: "redis",
    host: "redis.local",
    port: 6379,
    db: 0,
    password: "secret:s3cret",
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

test("url - user and password (ACL users), percent-decoded; a bare user information is the password", () => {
  assert.deepEqual(revealed("zmq+redis://mm:pa%3Ass%40w%2Frd@h:6380/1"), {
    kind: "redis",
    host: "h",
    port: 6380,
    db: 1,
    username: "mm",
    password: "secret:pa:ss@w/rd",
  });
  assert.deepEqual(revealed("zmq+redis://%C3%A9l%C3%A8ve:%F0%9F%94%91@h"), {
    kind: "redis",
    host: "h",
    port: 6379,
    db: 0,
    username: "élève",
    password: "secret:🔑",
  });
  // Raw reserved characters still parse: the user information ends at the last "@".
  assert.deepEqual(revealed("zmq+redis://u:p@ss/w:rd@h:1"), {
    kind: "redis",
    host: "h",
    port: 1,
    db: 0,
    username: "u",
    password: "secret:p@ss/w:rd",
  });
  assert.deepEqual(revealed("zmq+redis://onlypass@h"), {
    kind: "redis",
    host: "h",
    port: 6379,
    db: 0,
    password: "secret:onlypass",
  });
  // A user without a password (an ACL user with nopass) still authenticates as that user.
  assert.deepEqual(revealed("zmq+redis://mm:@h"), {
    kind: "redis",
    host: "h",
    port: 6379,
    db: 0,
    username: "mm",
    password: "secret:",
  });
  assert.deepEqual(revealed("zmq+redis://:@h"), { kind: "redis", host: "h", port: 6379, db: 0 });
});

test("url - zmq+rediss:// and zmq+sentinels:// mean TLS", () => {
  assert.deepEqual(revealed("zmq+rediss://u:p@h:6390/2"), {
    kind: "redis",
    host: "h",
    port: 6390,
    db: 2,
    tls: true,
    username: "u",
    password: "secret:p",
  });
  assert.equal((parseTransportUrl("ZMQ+REDISS://h") as { tls?: boolean }).tls, true, "schemes are case-insensitive");
  assert.deepEqual(revealed("zmq+sentinels://s1,s2:26390/mm/3"), {
    kind: "sentinel",
    sentinels: [
      { host: "s1", port: 26379 },
      { host: "s2", port: 26390 },
    ],
    masterName: "mm",
    db: 3,
    tls: true,
  });
});

test("url - Sentinel credentials: the master's in the user information (or ?password=), the Sentinels' in the query", () => {
  assert.deepEqual(revealed("zmq+sentinel://app:m%2Bpw@s1/mm?sentinelUsername=sent&sentinelPassword=s%2Bpw%26"), {
    kind: "sentinel",
    sentinels: [{ host: "s1", port: 26379 }],
    masterName: "mm",
    db: 0,
    username: "app",
    password: "secret:m+pw",
    sentinelUsername: "sent",
    sentinelPassword: "secret:s+pw&",
  });
  assert.deepEqual(revealed("zmq+sentinel://s1/mm?password=a+b"), {
    kind: "sentinel",
    sentinels: [{ host: "s1", port: 26379 }],
    masterName: "mm",
    db: 0,
    password: "secret:a+b",
  });
  assert.equal(
    (parseTransportUrl("zmq+sentinel://:user-info@s1/mm?password=query") as { password: Secret }).password.reveal(),
    "user-info",
    "the user information wins over ?password=",
  );
});

test("url - bad credentials and Sentinel queries are refused without showing the password", () => {
  const cases: [string, RegExp][] = [
    ["zmq+redis://u:bad%zzSECRET@h", /password has a malformed percent escape/],
    ["zmq+redis://bad%zz:SECRET@h", /user name has a malformed percent escape/],
    ["zmq+redis://u:SECRET@h:99999", /port 99999 is out of range/],
    ["zmq+redis://u:SECRET@h?x=1", /no query/],
    ["zmq+sentinel://u:SECRET@s1/mm?color=blue", /unknown query parameter "color"/],
    ["zmq+sentinel://s1/mm?sentinelPassword=SECRET&SECRET", /has no value/],
    ["zmq+sentinel://s1/mm?sentinelPassword=bad%zzSECRET", /sentinelPassword has a malformed percent escape/],
    ["redis://u:SECRET@h", /unsupported scheme "redis"/],
  ];
  for (const [url, re] of cases) {
    assert.throws(
      () => parseTransportUrl(url),
      (e: unknown) =>
        e instanceof InvalidTransportURL &&
        re.test(e.message) &&
        !e.message.includes("SECRET") &&
        !e.url.includes("SECRET") &&
        !(e.stack ?? "").includes("SECRET") &&
        !JSON.stringify(e).includes("SECRET"),
      url,
    );
  }
  assert.throws(() => parseTransportUrl("zmq+redis://u:SECRET@h:99999"), {
    message: 'Invalid transport URL "zmq+redis://u:***@h:99999": port 99999 is out of range',
  });
});
