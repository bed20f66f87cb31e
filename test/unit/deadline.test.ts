/**
 * Goal: deadlines travel with the request. RpcClient sends now + timeout (epoch ms, whole
 * milliseconds rounded down) under "_zmq"; a context a server attached a deadline to
 * caps the timeout and passes that deadline on; remainingMs reads the budget left; the
 * hidden deadline never serializes; a context that already has "_zmq" is refused.
 * Method: a stub transport recording what the engine would send, on a ManualClock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { remainingMs, RpcClient, type Serializer } from "../../src/index.js";
import { attachDeadline, contextDeadline, type SendRequest } from "../../src/internal.js";
import { ManualClock } from "../support/manual-clock.js";
import { stubTransport } from "../support/stub-transport.js";

const EPOCH = 1_700_000_000_000;
const wireDeadline = (r: SendRequest): unknown => (r.context._zmq as { deadline?: unknown }).deadline;

test("deadline - a call sends floor(epoch now + timeout) under _zmq, on a copy of the caller's context", async () => {
  const clock = new ManualClock();
  clock.advance(0.7);
  const { transport, sent } = stubTransport(null, clock);
  const ctx = { user: "u" };
  await new RpcClient(transport, { topic: "t" }, { timeoutMs: 250 }).call(ctx, "m");
  await new RpcClient(transport, { topic: "t" }).cast({}, "m");
  assert.deepEqual(ctx, { user: "u" });
  assert.deepEqual(sent[0]!.context, { user: "u", _zmq: { deadline: EPOCH + 250, once: true } });
  assert.equal(sent[0]!.timeoutMs, 250);
  assert.equal(wireDeadline(sent[1]!), EPOCH + 60_000);
});

test("deadline - remainingMs: the budget left on the server's clock, 0 once passed, undefined without a deadline", () => {
  const clock = new ManualClock();
  const ctx: Record<string, unknown> = { user: "u" };
  assert.equal(remainingMs(ctx), undefined);
  attachDeadline(ctx, EPOCH + 100, clock);
  assert.equal(remainingMs(ctx), 100);
  clock.advance(40);
  assert.equal(remainingMs(ctx), 60);
  clock.advance(100);
  assert.equal(remainingMs(ctx), 0);
  assert.equal(remainingMs(null), undefined);
  assert.equal(remainingMs("ctx"), undefined);
});

test("deadline - the attached deadline is invisible: keys, symbols, for-in, JSON and inspect see only the caller's fields", () => {
  const ctx: Record<string, unknown> = { user: "u" };
  attachDeadline(ctx, EPOCH + 5, new ManualClock());
  assert.deepEqual(Object.keys(ctx), ["user"]);
  assert.equal(JSON.stringify(ctx), '{"user":"u"}');
  const seen: string[] = [];
  for (const k in ctx) seen.push(k);
  assert.deepEqual(seen, ["user"]);
  assert.deepStrictEqual(ctx, { user: "u" });
  assert.deepEqual(Reflect.ownKeys(ctx), ["user"]);
  assert.equal(inspect(ctx), "{ user: 'u' }");
  assert.equal(contextDeadline(ctx), EPOCH + 5);
  // Attached once: a second attach keeps the first deadline.
  attachDeadline(ctx, EPOCH + 9, new ManualClock());
  assert.equal(contextDeadline(ctx), EPOCH + 5);
  // A frozen context cannot take it and simply has none.
  const frozen = Object.freeze({ user: "u" });
  attachDeadline(frozen, EPOCH + 5, new ManualClock());
  assert.equal(contextDeadline(frozen), undefined);
});

test("deadline - a call made with a server's context keeps the earlier deadline and caps its timeout", async () => {
  const clock = new ManualClock();
  const { transport, sent } = stubTransport(null, clock);
  const client = new RpcClient(transport, { topic: "t" }, { timeoutMs: 1000 });
  const tight: Record<string, unknown> = { user: "u" };
  attachDeadline(tight, EPOCH + 300, clock);
  clock.advance(100);
  await client.call(tight, "m");
  assert.equal(wireDeadline(sent[0]!), EPOCH + 300);
  assert.equal(sent[0]!.timeoutMs, 200);
  assert.deepEqual(Object.keys(sent[0]!.context), ["user", "_zmq"]);
  // A later inherited deadline does not extend the client's own timeout.
  const loose: Record<string, unknown> = {};
  attachDeadline(loose, EPOCH + 10_000, clock);
  await client.cast(loose, "m");
  assert.equal(wireDeadline(sent[1]!), EPOCH + 1100);
  assert.equal(sent[1]!.timeoutMs, 1000);
  // An inherited deadline already passed: timeout 0, the same deadline travels (the server drops it).
  clock.advance(500);
  await client.call(tight, "m");
  assert.equal(sent[2]!.timeoutMs, 0);
  assert.equal(wireDeadline(sent[2]!), EPOCH + 300);
});

test("deadline - a context that has _zmq is refused with a TypeError naming it; nothing is sent", async () => {
  const clock = new ManualClock();
  const { transport, sent } = stubTransport(null, clock);
  const client = new RpcClient(transport, { topic: "t" });
  await assert.rejects(client.call({ _zmq: { deadline: 1 } }, "m"), (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /^RpcClient\.call: ctx\._zmq must be absent \(the driver reserves the context key "_zmq"/);
    return true;
  });
  await assert.rejects(client.cast({ _zmq: undefined }, "m"), /RpcClient\.cast: ctx\._zmq must be absent/);
  const serializer: Serializer = {
    serializeEntity: (_c, e) => e,
    deserializeEntity: (_c, e) => e,
    serializeContext: (c) => ({ ...c, _zmq: "mine" }),
    deserializeContext: (c) => c,
  };
  await assert.rejects(
    new RpcClient(transport, { topic: "t" }, { serializer }).call({}, "m"),
    /RpcClient\.call: serializer\.serializeContext\(ctx\)\._zmq must be absent/,
  );
  assert.equal(sent.length, 0);
});
