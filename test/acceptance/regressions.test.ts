/**
 * Goal: regression tests for defects found by reading the specs against the code
 * (spec/*.md "Open questions"), each reproduced on real sockets or the pure core.
 * Direct routing only: each case reproduces a defect of one component, mostly through
 * raw sockets or the matchmaker's internals.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as zmq from "zeromq";
import {
  getRpcServer,
  InvalidTarget,
  InvalidTransportURL,
  MessagingTimeout,
  RemoteError,
  RpcClient,
  type Transport,
} from "../../src/index.js";
import {
  decodeRequest,
  deserializeRemoteError,
  encodeNotificationPayload,
  encodeRequest,
  MessageType,
  notificationFrames,
  parseTransportUrl,
  topicKey,
  transportInternals,
} from "../../src/internal.js";
import { newTransport, startGroup } from "../support/fixtures.js";
import { addressOf } from "../support/host-address.js";

describe("regressions", () => {
  let transport: Transport;
  before(async () => {
    transport = await newTransport();
  });
  after(async () => {
    await transport.close();
  });

  test("client - a call with timeoutMs 0 to a live server settles (no spin on an expired deadline)", async () => {
    const g = await startGroup(transport, { count: 1 });
    await assert.rejects(g.client({ server: 0, timeoutMs: 0 }).call({}, "ping"), MessagingTimeout);
    await assert.rejects(g.client({ timeoutMs: 0 }).cast({}, "ping"));
    await g.close();
  });

  test("remote-error - a failure naming an Object.prototype member or a bad arg never throws", () => {
    for (const cls of ["toString", "valueOf", "hasOwnProperty", "__proto__", "constructor"]) {
      const e = deserializeRemoteError(
        JSON.stringify({ class: cls, module: "builtins", message: "m", tb: [], args: [], kwargs: {} }),
      );
      assert.ok(e instanceof RemoteError, cls);
    }
    const weird = deserializeRemoteError(
      JSON.stringify({ class: "NoSuchMethod", module: "oslo_messaging", message: "m", args: [{ toString: 1 }] }),
    );
    assert.ok(weird instanceof Error);
    class Throws extends Error {
      constructor() {
        super("x");
        throw new Error("constructor fails");
      }
    }
    const e = deserializeRemoteError(JSON.stringify({ class: "Throws", module: "app", message: "m" }), {
      Throws: Throws as never,
    });
    assert.ok(e instanceof RemoteError);
  });

  test("server - stop() during start() leaves no registration behind; stop() after a failed start resolves", async () => {
    const s = getRpcServer(transport, { topic: "stop-during-start", server: "s1" }, [{}]);
    const started = s.start();
    await s.stop();
    await started.catch(() => undefined);
    const mm = transportInternals(transport).deps.matchmaker;
    assert.deepEqual(await mm.getHosts(topicKey({ topic: "stop-during-start" })), []);
    assert.deepEqual(await mm.getHosts("openstack/stop-during-start/s1"), []);
    const t2 = await newTransport({ bindAddress: "192.0.2.1" }); // not an address of this machine
    const bad = getRpcServer(t2, { topic: "t", server: "s" }, [{}]);
    await assert.rejects(bad.start());
    await bad.stop();
    await bad.wait();
    await t2.close();
  });

  test("server - a second start() returns the first start's promise", async () => {
    const s = getRpcServer(transport, { topic: "double-start", server: "s" }, [{}]);
    const a = s.start();
    const b = s.start();
    await Promise.all([a, b]);
    assert.ok(s.host, "listening when the second start resolves");
    await s.stop();
    await assert.rejects(s.start());
  });

  test("server - NOTIFY requests are dropped and counted as unsupported, not dispatched", async () => {
    const g = await startGroup(transport, { count: 1 });
    const raw = new zmq.Dealer({ linger: 0 });
    raw.connect(addressOf(g.servers[0]!.host!));
    const notification = {
      message_id: "m1",
      publisher_id: null,
      event_type: "add",
      priority: "INFO",
      payload: { increment: 5 },
      timestamp: "2024-01-01 00:00:00.000000",
    };
    await raw.send(notificationFrames("n1", encodeNotificationPayload({}, notification)));
    await raw.send(encodeRequest(MessageType.CALL, "c1", {}, { method: "ping", args: {} }));
    await raw.receive();
    assert.equal(g.servers[0]!.stats.unsupported, 1);
    assert.equal(g.endpoints[0]!.ival, 0);
    raw.close();
    await g.close();
  });

  test("server - an argument named __proto__ reaches the endpoint as an argument", async () => {
    const s = getRpcServer(transport, { topic: "proto-arg", server: "s" }, [
      { keys: (_c: unknown, a: object) => Object.keys(a) },
    ]);
    await s.start();
    const args = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as Record<string, unknown>;
    assert.deepEqual(
      await new RpcClient(transport, { topic: "proto-arg" }, { timeoutMs: 5000 }).call({}, "keys", args),
      ["__proto__", "y"],
    );
    await s.stop();
  });

  test("client - retry -1 means until the deadline (oslo), invalid retry values are refused", () => {
    assert.doesNotThrow(() => new RpcClient(transport, { topic: "t" }, { retry: -1 }));
    for (const retry of [-2, 1.5, Number.NaN])
      assert.throws(() => new RpcClient(transport, { topic: "t" }, { retry }), RangeError);
  });

  test("codec - the type frame must be exactly one digit", () => {
    for (const t of [" 1", "01", "1.0", "0x1", "1e0"]) {
      assert.equal(
        decodeRequest([
          Buffer.from("p"),
          Buffer.from(""),
          Buffer.from("1.0"),
          Buffer.from(t),
          Buffer.from("i"),
          Buffer.from('[{},{"method":"m"}]'),
        ]).ok,
        false,
        t,
      );
    }
  });

  test("url and target - malformed escapes, huge db numbers and lone surrogates are the driver's own errors", () => {
    for (const url of ["zmq+redis://:%zz@h:1", "zmq+sentinel://h:1/%zz", "zmq+redis://h:1/99999999999999999999"]) {
      assert.throws(() => parseTransportUrl(url), InvalidTransportURL, url);
    }
    assert.throws(() => topicKey({ topic: "\uD800" }), InvalidTarget);
  });

  test("client - malformed host addresses in the matchmaker are skipped: calls reach the live server", async () => {
    const t = await newTransport({ sendTimeoutMs: 50, hostWaitIntervalMs: 20 });
    const g = await startGroup(t, { count: 1 });
    const key = topicKey({ topic: g.topic });
    await transportInternals(t).deps.matchmaker.register(key, "bogus://x", null);
    await transportInternals(t).deps.matchmaker.register(key, "tcp://nohost", null);
    const c = new RpcClient(t, { topic: g.topic }, { timeoutMs: 5000 });
    for (let i = 1; i <= 4; i++) assert.equal(await c.call({}, "add", { increment: 1 }), i);
    assert.ok(transportInternals(t).engine.stats.sendRetries >= 2, "the malformed hosts were tried and failed over");
    await g.close();
    await t.close();
  });
});
