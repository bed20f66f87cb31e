/**
 * Goal: on real sockets, deadlines travel with requests (spec/server.md, "Deadlines,
 * duplicates and acks"): a server never starts a request whose deadline has passed, at
 * receipt or after waiting for a slot; a handler reads its budget with remainingMs(ctx)
 * and never sees "_zmq"; a call made with a server's context inherits its deadline.
 * Method: a one-slot server whose handler holds the slot until the next request's
 * deadline has passed; a raw DEALER for a request that arrives already expired; two
 * servers where one calls the other with the context it received.
 * Direct routing only: the expired request comes from a raw DEALER connected to the
 * server's ROUTER, which proxy mode does not have (servers connect out to proxies); a proxy
 * forwards the deadline unchanged inside the message.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as zmq from "zeromq";
import { getRpcServer, MessagingTimeout, remainingMs, RpcClient, type Transport } from "../../src/index.js";
import { encodeRequest, MessageType, withWireMeta } from "../../src/internal.js";
import { newTransport, startGroup, waitFor } from "../support/fixtures.js";
import { addressOf } from "../support/host-address.js";

interface Report {
  remaining: number | undefined;
  keys: string[];
}

describe("deadlines", () => {
  let transport: Transport;
  before(async () => {
    transport = await newTransport();
  });
  after(async () => {
    await transport.close();
  });

  test("server - a request whose deadline passes while it waits for a slot is dropped, never run", async () => {
    const g = await startGroup(transport, { count: 1, maxConcurrency: 1 });
    const slow = g.client({ timeoutMs: 10_000 }).call({}, "longRunningTask");
    await waitFor(() => g.endpoints[0]!.running === 1, 5000, "the slot to be taken");
    const queued = g.client({ timeoutMs: 100 }).call({}, "add", { increment: 1 });
    await assert.rejects(queued, MessagingTimeout); // its deadline has passed; it still waits in the gate
    g.endpoints[0]!.release();
    assert.equal(await slow, "done");
    await g.sync(); // the ping queued behind it has run, so the expired call had its turn
    assert.deepEqual(g.endpoints[0]!.received, [], "the expired call never ran");
    assert.equal(g.servers[0]!.stats.expired, 1);
    await g.close();
  });

  test("server - a request that arrives after its deadline is dropped at receipt and not answered", async () => {
    const g = await startGroup(transport, { count: 1 });
    const raw = new zmq.Dealer({ linger: 0 });
    raw.connect(addressOf(g.servers[0]!.host!));
    const late = withWireMeta({}, Date.now() - 1, false);
    await raw.send(encodeRequest(MessageType.CALL, "late", late, { method: "add", args: { increment: 1 } }));
    await raw.send(encodeRequest(MessageType.CALL, "ping", {}, { method: "ping", args: {} }));
    const [, , , id] = await raw.receive();
    assert.equal(id!.toString(), "ping", "the expired call got no reply");
    assert.deepEqual(g.endpoints[0]!.received, []);
    assert.equal(g.servers[0]!.stats.expired, 1);
    raw.close();
    await g.close();
  });

  test("server - a handler reads remainingMs(ctx), never sees _zmq, and a nested call inherits the deadline", async () => {
    const inner = getRpcServer(transport, { topic: "deadline-inner", server: "s" }, [
      { report: (ctx: Record<string, unknown>): Report => ({ remaining: remainingMs(ctx), keys: Object.keys(ctx) }) },
    ]);
    const onward = new RpcClient(transport, { topic: "deadline-inner" }, { timeoutMs: 30_000 });
    const outer = getRpcServer(transport, { topic: "deadline-outer", server: "s" }, [
      {
        relay: async (ctx: Record<string, unknown>) => {
          const before = remainingMs(ctx);
          const nested = await onward.call<Report>(ctx, "report");
          return { before, keys: Object.keys(ctx), nested };
        },
      },
    ]);
    await Promise.all([inner.start(), outer.start()]);
    const client = new RpcClient(transport, { topic: "deadline-outer" }, { timeoutMs: 2000 });
    const r = await client.call<{ before: number; keys: string[]; nested: Report }>({ user: "u" }, "relay");
    assert.deepEqual(r.keys, ["user"]);
    assert.deepEqual(r.nested.keys, ["user"]);
    assert.ok(r.before > 0 && r.before <= 2000, `outer budget ${r.before}`);
    // The nested call carried the outer deadline, not a fresh 30 s one.
    assert.ok(r.nested.remaining! > 0 && r.nested.remaining! <= r.before, JSON.stringify(r));
    // A caller without "_zmq" (an older client) gives the handler no deadline.
    const legacy = await new Promise<Report>((resolve, reject) => {
      const raw = new zmq.Dealer({ linger: 0 });
      raw.connect(addressOf(inner.host!));
      raw
        .send(encodeRequest(MessageType.CALL, "legacy", { user: "u" }, { method: "report", args: {} }))
        .then(() => raw.receive())
        .then((frames) => resolve((JSON.parse(frames[4]!.toString()) as [Report, null])[0]))
        .catch(reject)
        .finally(() => raw.close());
    });
    assert.deepEqual(legacy, { keys: ["user"] }, "remaining is undefined, so JSON leaves it out");
    await Promise.all([inner.stop(), outer.stop()]);
  });
});
