/**
 * Goal: RpcClient builds oslo's message, resolves timeout/retry/version cap with prepare()
 * overriding the constructor and the constructor overriding the transport default, and
 * applies the serializer. Method: a stub transport that records what would be sent.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RpcClient, type Serializer } from "../../src/index.js";
import { resolveOptions } from "../../src/internal.js";
import { stubTransport } from "../support/stub-transport.js";

test("rpc-client - message carries method, args, namespace and version only when set", async () => {
  const { transport, sent } = stubTransport();
  await new RpcClient(transport, { topic: "t" }).call({}, "m", { a: 1 });
  await new RpcClient(transport, { topic: "t", namespace: "ns", version: "1.2" }).cast({}, "m");
  assert.deepEqual(sent[0]!.message, { method: "m", args: { a: 1 } });
  assert.deepEqual(sent[1]!.message, { method: "m", args: {}, namespace: "ns", version: "1.2" });
  assert.equal(sent[0]!.kind, "call");
  assert.equal(sent[1]!.kind, "cast");
});

test("rpc-client - timeout resolution: prepare > constructor > transport default; 0 passes through", async () => {
  const { transport, sent } = stubTransport();
  const c = new RpcClient(transport, { topic: "t" });
  await c.call({}, "m");
  await new RpcClient(transport, { topic: "t" }, { timeoutMs: 5 }).call({}, "m");
  await new RpcClient(transport, { topic: "t" }, { timeoutMs: 5 }).prepare({ timeoutMs: 7 }).call({}, "m");
  await c.prepare({ timeoutMs: 0 }).call({}, "m");
  assert.deepEqual(
    sent.map((s) => s.timeoutMs),
    [60_000, 5, 7, 0],
  );
});

test("rpc-client - prepare overrides target fields and inherits the rest; the original is unchanged", async () => {
  const { transport, sent } = stubTransport();
  const c = new RpcClient(transport, { topic: "t", exchange: "e" }, { retry: 2 });
  const p = c.prepare({ server: "s", version: "2.1" });
  assert.deepEqual(p.target, { topic: "t", exchange: "e", server: "s", version: "2.1" });
  assert.deepEqual(c.target, { topic: "t", exchange: "e" });
  await p.call({}, "m");
  assert.equal(sent[0]!.retry, 2);
  await c.prepare({ retry: null }).call({}, "m");
  assert.equal(sent[1]!.retry, null);
});

test("rpc-client - fanout target turns cast into a fanout send", async () => {
  const { transport, sent } = stubTransport();
  await new RpcClient(transport, { topic: "t" }).prepare({ fanout: true }).cast({}, "m");
  assert.equal(sent[0]!.kind, "fanout");
});

test("rpc-client - serializer applies to args, context and the result", async () => {
  const { transport, sent } = stubTransport({ wrapped: 5 });
  const serializer: Serializer = {
    serializeEntity: (_c, e) => ({ wrapped: e }),
    deserializeEntity: (_c, e) => (e as { wrapped: unknown }).wrapped,
    serializeContext: (c) => ({ ...c, serialized: true }),
    deserializeContext: (c) => c,
  };
  const r = await new RpcClient(transport, { topic: "t" }, { serializer }).call({ user: "u" }, "m", { a: 1 });
  assert.equal(r, 5);
  assert.deepEqual(sent[0]!.message.args, { a: { wrapped: 1 } });
  // The serialized context, with the driver's "_zmq" (deadline: the clock's epoch + 60 s) added last.
  assert.deepEqual(sent[0]!.context, {
    user: "u",
    serialized: true,
    _zmq: { deadline: 1_700_000_060_000, once: true },
  });
});

test("rpc-client - _zmq.once (the id reaches a server at most once) only without acks, in direct routing, for a call not marked idempotent", async () => {
  const onceOf = async (options: { acks?: boolean; routing?: "direct" | "proxy" }, idempotent?: boolean) => {
    const { transport, sent } = stubTransport("r", undefined, options);
    const c = new RpcClient(transport, { topic: "t" }, idempotent === undefined ? {} : { idempotent });
    await c.call({}, "m");
    await c.cast({}, "m");
    await c.prepare({ fanout: true }).cast({}, "m");
    return sent.map((s) => (s.context._zmq as { once?: boolean }).once);
  };
  assert.deepEqual(await onceOf({}), [true, true, true], "defaults: acks off, direct");
  assert.deepEqual(await onceOf({}, false), [true, true, true]);
  assert.deepEqual(await onceOf({ acks: true }), [undefined, undefined, undefined], "acks resend");
  assert.deepEqual(await onceOf({ routing: "proxy" }), [undefined, undefined, undefined], "proxy hops resend");
  assert.deepEqual(await onceOf({}, true), [undefined, undefined, undefined], "an idempotent call may move back");
});

test("rpc-client - malformed target version and empty method are refused before sending", async () => {
  const { transport, sent } = stubTransport();
  await assert.rejects(new RpcClient(transport, { topic: "t", version: "one" }).call({}, "m"));
  await assert.rejects(new RpcClient(transport, { topic: "t" }).call({}, ""));
  assert.throws(() => new RpcClient(transport, { topic: "t" }, { timeoutMs: -1 }), RangeError);
  assert.equal(sent.length, 0);
});

test("options - counts (maxQueuedSends, sendHighWaterMark, maxQueuedRequests, maxPayloadBytes) must be integers >= 1; times may be fractional", () => {
  for (const bad of [0, 2.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    for (const name of ["maxQueuedSends", "sendHighWaterMark", "maxQueuedRequests", "maxPayloadBytes"] as const) {
      assert.throws(
        () => resolveOptions({ [name]: bad }),
        (e: unknown) => e instanceof RangeError && e.message.includes(name),
        `${name} ${bad}`,
      );
    }
  }
  const o = resolveOptions({
    maxQueuedSends: 3,
    sendHighWaterMark: 7,
    maxQueuedRequests: 1,
    maxPayloadBytes: 1024,
    hostWaitIntervalMs: 2.5,
  });
  assert.deepEqual(
    [o.maxQueuedSends, o.sendHighWaterMark, o.maxQueuedRequests, o.maxPayloadBytes, o.hostWaitIntervalMs],
    [3, 7, 1, 1024, 2.5],
  );
});

test("options - maxFrameBytes: by default twice maxPayloadBytes, at least 1 MiB above it; null for no bound; never below maxPayloadBytes", () => {
  assert.equal(resolveOptions({}).maxFrameBytes, 2 * 64 * 1024 * 1024);
  assert.equal(resolveOptions({ maxPayloadBytes: 1000 }).maxFrameBytes, 1000 + 1024 * 1024);
  assert.equal(resolveOptions({ maxFrameBytes: null }).maxFrameBytes, null);
  assert.equal(resolveOptions({ maxPayloadBytes: 1000, maxFrameBytes: 1000 }).maxFrameBytes, 1000);
  assert.throws(
    () => resolveOptions({ maxPayloadBytes: 1000, maxFrameBytes: 999 }),
    /^RangeError: DriverOptions\.maxFrameBytes must be an integer >= 1000, got 999$/,
  );
  // @ts-expect-error the point is a caller that ignores the types
  assert.throws(() => resolveOptions({ maxFrameBytes: "big" }), TypeError);
});
