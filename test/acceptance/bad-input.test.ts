/**
 * Goal: every kind of bad input in spec/api.md's "Bad input" table gets the error the table
 * promises, at once — never a MessagingTimeout for a mistake the driver can see.
 * Method: real sockets, in both routing modes (test/support/routing-env.ts: direct with the
 * in-process matchmaker; proxy over a real redis-server with two proxies in processes of
 * their own); every client has a 30 s timeout, so a mistake that slipped through would
 * surface as MessagingTimeout (asserted absent), not as a slow test. Large payloads use a
 * small maxPayloadBytes, except one row that repeats the reported case at the default
 * 64 MiB limit.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  getRpcServer,
  InvalidTarget,
  PayloadTooLarge,
  RemoteError,
  RpcClient,
  type RpcServer,
  type Transport,
} from "../../src/index.js";
import { describeRouting } from "../support/routing-env.js";

const LIMIT = 4096;
const TIMEOUT_MS = 30_000;

/** Asserts that `p` rejects with an instance of `cls` whose message matches every pattern. */
async function rejectsWith(p: Promise<unknown>, cls: abstract new (...a: never[]) => Error, ...patterns: RegExp[]) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    for (const re of patterns) assert.match((e as Error).message, re);
    return true;
  });
}

describeRouting("bad input", (env) => {
  let transport: Transport;
  let client: RpcClient;
  let server: RpcServer;
  const endpoint = {
    echo: (_c: unknown, a: { v: unknown }) => a.v,
    deep: (_c: unknown, a: { n: number }) => JSON.parse(`${"[".repeat(a.n)}${"]".repeat(a.n)}`),
    big: (_c: unknown, a: { n: number }) => "x".repeat(a.n),
    bigint: () => 10n,
    circular: () => {
      const o: Record<string, unknown> = { name: "loop" };
      o.self = o;
      return { wrapper: o };
    },
  };

  before(async () => {
    transport = await env().rpcTransport({ maxPayloadBytes: LIMIT });
    server = getRpcServer(transport, { topic: "bad", server: "s1" }, [endpoint]);
    await server.start();
    client = new RpcClient(transport, { topic: "bad" }, { timeoutMs: TIMEOUT_MS });
  });

  test("bad input - args that are not a plain object: TypeError naming args, nothing sent", async () => {
    const received = server.stats.received;
    for (const args of [5, "x", [1, 2], null, new Map()]) {
      // @ts-expect-error the point is a caller that ignores the types
      await rejectsWith(client.call({}, "echo", args), TypeError, /^RpcClient\.call: args must be a plain object/);
    }
    // @ts-expect-error
    await rejectsWith(client.cast({}, "echo", 5), TypeError, /^RpcClient\.cast: args must be a plain object/);
    // @ts-expect-error
    await rejectsWith(client.call([], "echo", {}), TypeError, /^RpcClient\.call: ctx must be a plain object/);
    // @ts-expect-error
    await rejectsWith(client.call({}, 42, {}), TypeError, /^RpcClient\.call: method must be a non-empty string/);
    assert.equal(await client.call({}, "echo", { v: "ok" }), "ok");
    assert.equal(server.stats.received, received + 1, "only the good call reached the server");
  });

  test("bad input - a context with the reserved key _zmq: TypeError naming it, nothing sent", async () => {
    const received = server.stats.received;
    await rejectsWith(
      client.call({ _zmq: { deadline: 1 } }, "echo", { v: 1 }),
      TypeError,
      /^RpcClient\.call: ctx\._zmq must be absent \(the driver reserves the context key "_zmq"/,
    );
    await rejectsWith(client.cast({ user: "u", _zmq: null }, "echo", {}), TypeError, /^RpcClient\.cast: ctx\._zmq/);
    assert.equal(await client.call({ user: "u" }, "echo", { v: "ok" }), "ok");
    assert.equal(server.stats.received, received + 1, "only the good call reached the server");
  });

  test("bad input - circular or BigInt arguments: TypeError naming the argument and the reason", async () => {
    const loop: Record<string, unknown> = {};
    loop.me = loop;
    await rejectsWith(
      client.call({}, "echo", { v: { inner: loop } }),
      TypeError,
      /args\.v\.inner\.me refers back to an object that contains it \(a circular reference\)/,
    );
    await rejectsWith(client.cast({}, "echo", { v: [1, 2n] }), TypeError, /args\.v\[1\] is a BigInt/);
    await rejectsWith(client.call({ user: 1n }, "echo", {}), TypeError, /context\.user is a BigInt/);
  });

  test("bad input - arguments nested deeper than peers accept (MAX_JSON_DEPTH): TypeError at once, nothing sent", async () => {
    const received = server.stats.received;
    let v: unknown[] = [];
    for (let i = 0; i < 600; i++) v = [v];
    await rejectsWith(
      client.call({}, "echo", { v }),
      TypeError,
      /^the request cannot be sent: it nests arrays and objects deeper than 512 levels/,
    );
    assert.equal(server.stats.received, received, "nothing reached the server");
  });

  test("bad input - a result nested deeper than peers accept: the server's TypeError, not a timeout", async () => {
    await rejectsWith(client.call({}, "deep", { n: 600 }), TypeError, /^the reply cannot be sent: it nests/);
  });

  test("bad input - a request over maxPayloadBytes: PayloadTooLarge naming size and limit, nothing sent", async () => {
    await rejectsWith(
      client.call({}, "echo", { v: "y".repeat(LIMIT) }),
      PayloadTooLarge,
      new RegExp(`^request of \\d+ bytes exceeds maxPayloadBytes \\(${LIMIT} bytes\\)$`),
    );
    await rejectsWith(client.cast({}, "echo", { v: "é".repeat(LIMIT / 2) }), PayloadTooLarge);
  });

  test("bad input - a reply over the server's maxPayloadBytes: RemoteError saying the reply was too large", async () => {
    await rejectsWith(
      client.call({}, "big", { n: LIMIT * 2 }),
      RemoteError,
      /PayloadTooLarge/,
      new RegExp(`reply of \\d+ bytes exceeds maxPayloadBytes \\(${LIMIT} bytes\\)`),
    );
    assert.equal(await client.call({}, "echo", { v: "still serving" }), "still serving");
  });

  test("bad input - a result JSON cannot carry: the server's TypeError naming the path in the result", async () => {
    await rejectsWith(
      client.call({}, "bigint"),
      TypeError,
      /^the reply cannot be serialized as JSON: result is a BigInt/,
    );
    await rejectsWith(client.call({}, "circular"), TypeError, /result\.wrapper\.self refers back/);
  });

  test("bad input - a reply over the client's own limit fails that call with PayloadTooLarge", async () => {
    const roomy = await env().rpcTransport({ maxPayloadBytes: LIMIT * 8 });
    try {
      await getRpcServer(roomy, { topic: "roomy", server: "r1" }, [endpoint]).start();
      const c = new RpcClient(transport, { topic: "roomy" }, { timeoutMs: TIMEOUT_MS });
      await rejectsWith(c.call({}, "big", { n: LIMIT * 2 }), PayloadTooLarge, /^reply of \d+ bytes exceeds/);
      assert.equal(await c.call({}, "echo", { v: 1 }), 1);
    } finally {
      await roomy.close();
    }
  });

  test("bad input - a call over the server's limit (within the client's) gets an error reply, not a timeout", async () => {
    const strict = await env().rpcTransport({ maxPayloadBytes: 256 });
    try {
      await getRpcServer(strict, { topic: "strict", server: "t1" }, [endpoint]).start();
      const c = new RpcClient(transport, { topic: "strict" }, { timeoutMs: TIMEOUT_MS });
      await rejectsWith(
        c.call({}, "echo", { v: "z".repeat(1000) }),
        RemoteError,
        /request of \d+ bytes exceeds maxPayloadBytes \(256 bytes\)/,
      );
    } finally {
      await strict.close();
    }
  });

  test("bad input - the reported case at the default limit: a 70 MB request is refused before sending", async () => {
    const t = await env().rpcTransport();
    try {
      const c = new RpcClient(t, { topic: "bad" }, { timeoutMs: TIMEOUT_MS });
      await rejectsWith(c.call({}, "echo", { v: "w".repeat(70_000_000) }), PayloadTooLarge, /67108864 bytes/);
    } finally {
      await t.close();
    }
  });

  test("bad input - target fields of the wrong type: InvalidTarget naming the field", () => {
    // @ts-expect-error
    assert.throws(() => new RpcClient(transport, { topic: 5 }), InvalidTarget);
    assert.throws(
      // @ts-expect-error
      () => client.prepare({ fanout: "yes" }),
      (e: unknown) => e instanceof InvalidTarget && /overrides\.fanout must be true or false/.test(e.message),
    );
    // @ts-expect-error
    assert.throws(() => new RpcClient(transport, { topik: "t" }), /has no field "topik"/);
    // @ts-expect-error
    assert.throws(() => new RpcClient(transport, "t"), /RpcClient: target must be an object/);
  });
});
