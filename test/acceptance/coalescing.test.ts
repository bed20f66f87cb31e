/**
 * Goal: message coalescing on real sockets (spec/codec.md, "Batches"; decision 0027):
 * pipelined calls leave in batches both ways and every call gets its own answer; a
 * client sends one message per send to a server whose entry does not say `#wire=2` (oslo's
 * Python driver, an older server); `coalesceMaxMessages: 1` turns batches off; a bad
 * message inside a batch is dropped alone and the others are answered, in a batch.
 * Method: a driver client and server over zeromq.js; a raw zeromq.js ROUTER registered in
 * the in-process matchmaker as a server that reads 1.0 only; a raw DEALER sending a batch.
 * Direct routing only: it reads the frames on a direct client-server connection through
 * raw sockets standing for a peer, which proxy mode has only behind a proxy.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as zmq from "zeromq";
import { getRpcServer, getRpcTransport, RpcClient } from "../../src/index.js";
import {
  decodeReply,
  encodeRequest,
  InProcessMatchmaker,
  isBatch,
  joinBatch,
  MessageType,
  NodeClock,
  splitBatch,
  withWireMeta,
} from "../../src/internal.js";
import { addressOf } from "../support/host-address.js";

const echo = { echo: (_c: unknown, a: { n: number }) => a.n };
const CALLS = 200;

async function pair(clientOptions: { coalesceMaxMessages?: number } = {}) {
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  const serving = await getRpcTransport("zmq://", { matchmaker });
  const calling = await getRpcTransport("zmq://", { matchmaker, ...clientOptions });
  const server = getRpcServer(serving, { topic: "co", server: "s" }, [echo]);
  await server.start();
  const client = new RpcClient(calling, { topic: "co" }, { timeoutMs: 10_000 });
  const close = async () => {
    await calling.close();
    await serving.close();
  };
  return { server, client, matchmaker, close };
}

describe("coalescing over zeromq.js", () => {
  test("200 calls at once: requests and replies travel in batches, each call gets its own answer", async () => {
    const { server, client, close } = await pair();
    try {
      await client.call({}, "echo", { n: -1 }); // connected: the rest queue up behind a send
      const answers = await Promise.all(Array.from({ length: CALLS }, (_, n) => client.call({}, "echo", { n })));
      assert.deepEqual(
        answers,
        Array.from({ length: CALLS }, (_, n) => n),
      );
      assert.equal(server.stats.received, CALLS + 1);
      assert.equal(server.stats.handled, CALLS + 1);
      assert.ok(server.stats.batchesReceived > 0, "the client coalesced requests");
      assert.ok(server.stats.batchesSent > 0, "the server coalesced replies");
      assert.ok(server.host!.endsWith("#wire=2"), server.host);
    } finally {
      await close();
    }
  });

  test("coalesceMaxMessages: 1 sends one message per send; the server then replies one by one too", async () => {
    const { server, client, close } = await pair({ coalesceMaxMessages: 1 });
    try {
      await Promise.all(Array.from({ length: CALLS }, (_, n) => client.call({}, "echo", { n })));
      assert.equal(server.stats.handled, CALLS);
      assert.equal(server.stats.batchesReceived, 0);
      assert.equal(server.stats.batchesSent, 0);
    } finally {
      await close();
    }
  });

  test("a server whose entry lacks #wire=2 (oslo's, an older one) gets one message per send, and the calls work", async () => {
    const matchmaker = new InProcessMatchmaker(new NodeClock());
    const router = new zmq.Router({ linger: 0 });
    await router.bind("tcp://127.0.0.1:*");
    const seen = { messages: 0, frameCounts: new Set<number>() };
    const serving = (async () => {
      for await (const frames of router) {
        seen.messages++;
        seen.frameCounts.add(frames.length);
        const [peer, , , , id] = frames;
        await router.send([peer!, "", "1.0", "5", id!, "[7,null]"]);
      }
    })().catch(() => undefined);
    await matchmaker.register("openstack/legacy", router.lastEndpoint!, null);
    const transport = await getRpcTransport("zmq://", { matchmaker });
    try {
      const client = new RpcClient(transport, { topic: "legacy" }, { timeoutMs: 10_000 });
      const answers = await Promise.all(Array.from({ length: 100 }, () => client.call({}, "echo", { n: 1 })));
      assert.ok(answers.every((a) => a === 7));
      assert.equal(seen.messages, 100);
      assert.deepEqual([...seen.frameCounts], [6], "every request came alone, in the 1.0 layout");
    } finally {
      await transport.close();
      router.close();
      await serving;
    }
  });

  test("a batch with a bad message in the middle: that one is dropped and counted, the others are answered", async () => {
    const { server, close } = await pair();
    const raw = new zmq.Dealer({ linger: 0 });
    raw.connect(addressOf(server.host!));
    try {
      const ctx = withWireMeta({}, Date.now() + 10_000, false);
      const call = (id: string, n: number) => encodeRequest(MessageType.CALL, id, ctx, { method: "echo", args: { n } });
      const bad = [Buffer.alloc(0), Buffer.from("1.0"), Buffer.from("9"), Buffer.from("bad"), Buffer.from("[{},{}]")];
      await raw.send(joinBatch([call("a", 1), bad, call("b", 2)], 0));
      const frames = await raw.receive();
      const replies = isBatch(frames, 0)
        ? (() => {
            const s = splitBatch(frames, 0);
            assert.ok(s.ok);
            return s.messages;
          })()
        : [frames, await raw.receive()];
      const got = replies.map((m) => {
        const r = decodeReply(m);
        assert.ok(r.ok);
        return `${r.value.messageId}=${JSON.stringify(r.value.body)}`;
      });
      assert.deepEqual(got.sort(), ["a=1", "b=2"]);
      assert.equal(server.stats.batchesReceived, 1);
      assert.equal(server.stats.received, 3);
      assert.equal(server.stats.malformed, 1);
      assert.equal(server.stats.malformedByKind.type, 1);
    } finally {
      raw.close();
      await close();
    }
  });
});
