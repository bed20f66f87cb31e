/**
 * Goal: on real sockets, a server never runs one message id twice and sends ACKs only
 * when a request asks for one (spec/server.md, "Deadlines, duplicates and acks"). Method:
 * a raw zeromq.js DEALER sends the very same frames twice, as a client re-sending after a
 * lost reply or ACK would, and reads everything the server sends back in order.
 * Direct routing only: the raw DEALER talks to the server's ROUTER, which proxy mode does
 * not have; duplicates through two proxies are tested in test/redis/proxy-modes.acceptance.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as zmq from "zeromq";
import type { Transport } from "../../src/index.js";
import { decodeAck, decodeReply, encodeRequest, MessageType, withWireMeta } from "../../src/internal.js";
import { newTransport, startGroup, waitFor, type Group } from "../support/fixtures.js";
import { addressOf } from "../support/host-address.js";

const meta = (ack: boolean) => withWireMeta({}, Date.now() + 10_000, ack);
const call = (id: string, method: string, ack = false, args: Record<string, unknown> = {}) =>
  encodeRequest(MessageType.CALL, id, meta(ack), { method, args });

/** What the server sent: "ack:<id>" or "reply:<id>:<body>". */
async function next(raw: zmq.Dealer): Promise<string> {
  const frames = await raw.receive();
  const ack = decodeAck(frames);
  if (ack.ok) return `ack:${ack.value.messageId}`;
  const reply = decodeReply(frames);
  assert.ok(reply.ok, "neither an ACK nor a reply");
  return `reply:${reply.value.messageId}:${JSON.stringify(reply.value.body)}`;
}

describe("duplicates and acks", () => {
  let transport: Transport;
  let g: Group;
  let raw: zmq.Dealer;
  before(async () => {
    transport = await newTransport();
    g = await startGroup(transport, { count: 1 });
    raw = new zmq.Dealer({ linger: 0 });
    raw.connect(addressOf(g.servers[0]!.host!));
  });
  after(async () => {
    raw.close();
    await g.close();
    await transport.close();
  });

  test("server - the same call twice runs once; the kept reply comes back twice", async () => {
    const frames = call("dup-1", "add", false, { increment: 5 });
    await raw.send(frames);
    await raw.send(frames);
    assert.equal(await next(raw), "reply:dup-1:5");
    assert.equal(await next(raw), "reply:dup-1:5");
    assert.deepEqual(g.endpoints[0]!.received, ["add:5"]);
    const st = g.servers[0]!.stats;
    assert.equal(st.duplicates, 1);
    assert.equal(st.repliesResent, 1);
    assert.equal(st.handled, 1);
  });

  test("server - a duplicate of a running call is dropped (re-acked when it asks); one reply when it ends", async () => {
    const frames = call("dup-2", "longRunningTask", true);
    await raw.send(frames);
    await raw.send(frames);
    assert.equal(await next(raw), "ack:dup-2");
    assert.equal(await next(raw), "ack:dup-2", "the duplicate is acknowledged again");
    await waitFor(() => g.endpoints[0]!.running === 1 && g.servers[0]!.stats.duplicates === 2, 5000, "the duplicate");
    g.endpoints[0]!.release();
    assert.equal(await next(raw), 'reply:dup-2:"done"');
    // A copy after the end gets the kept reply, which also counts as its ACK: no ACK frame.
    await raw.send(frames);
    assert.equal(await next(raw), 'reply:dup-2:"done"');
    await raw.send(call("after-2", "ping"));
    assert.equal(await next(raw), 'reply:after-2:"pong"', "nothing else was sent");
    assert.equal(g.endpoints[0]!.running, 0);
  });

  test("server - the same cast twice runs once and is never answered", async () => {
    const frames = encodeRequest(MessageType.CAST, "dup-3", meta(false), { method: "append", args: { text: "x" } });
    await raw.send(frames);
    await raw.send(frames);
    await raw.send(call("after-3", "ping"));
    assert.equal(await next(raw), 'reply:after-3:"pong"');
    assert.equal(g.endpoints[0]!.sval, "x");
  });

  test("server - a call sent once (_zmq.once) is not remembered: the sender's word is taken, a second copy runs again", async () => {
    const once = withWireMeta({}, Date.now() + 10_000, false, 0, undefined, true);
    const frames = encodeRequest(MessageType.CALL, "once-1", once, { method: "add", args: { increment: 7 } });
    const before = { ...g.servers[0]!.stats };
    const start = g.endpoints[0]!.ival;
    await raw.send(frames);
    assert.equal(await next(raw), `reply:once-1:${start + 7}`);
    await raw.send(frames);
    assert.equal(await next(raw), `reply:once-1:${start + 14}`, "it ran again: the accumulator grew twice");
    const st = g.servers[0]!.stats;
    assert.equal(st.duplicates, before.duplicates, "neither copy was looked up");
    assert.equal(st.handled, before.handled + 2, "both ran");
    assert.equal(st.repliesResent, before.repliesResent, "no reply was kept for it");
  });

  test("server - ACKs only when asked: a call with ack gets ACK then reply, one without only its reply", async () => {
    const acksBefore = g.servers[0]!.stats.acks;
    await raw.send(call("plain", "ping"));
    assert.equal(await next(raw), 'reply:plain:"pong"');
    await raw.send(call("asked", "ping", true));
    assert.equal(await next(raw), "ack:asked");
    assert.equal(await next(raw), 'reply:asked:"pong"');
    await raw.send(encodeRequest(MessageType.CAST, "cast-ack", meta(true), { method: "ping", args: {} }));
    assert.equal(await next(raw), "ack:cast-ack");
    // A request without "_zmq" at all (oslo's Python driver) gets no ACK either.
    await raw.send(encodeRequest(MessageType.CALL, "legacy", {}, { method: "ping", args: {} }));
    assert.equal(await next(raw), 'reply:legacy:"pong"');
    await waitFor(() => g.servers[0]!.stats.acks === acksBefore + 2, 5000, "the ACKs to be counted");
  });
  test("server - the same call twice with a 64 KiB result: the kept reply (kept as its Buffer) comes back byte for byte", async () => {
    const text = "y".repeat(64 * 1024);
    const frames = call("dup-big", "append", false, { text });
    await raw.send(frames);
    await raw.send(frames);
    const first = await next(raw);
    const second = await next(raw);
    assert.ok(first.startsWith("reply:dup-big:") && first.length > 64 * 1024, first.slice(0, 40));
    assert.equal(second, first);
    assert.equal(g.endpoints[0]!.received.filter((r) => r === `append:${text}`).length, 1, "it ran once");
  });
});
