/**
 * Goal: a peer that bypasses the driver gets nothing run at a CURVE server
 * (spec/security.md, "Threat model": a server's port). A raw zeromq.js DEALER sends
 * well-formed request frames (encodeRequest, as the driver's client would) to the
 * server's port: without CURVE, with CURVE but a key outside the allow-list, and — the
 * control, which shows that the frames are well-formed — to a plaintext server, which runs
 * and answers them.
 * Method: real sockets; the server's stats and endpoint show what was read and run. The
 * refused DEALER's send never completes (its connection never does) and the server reads
 * nothing: waiting for the server's refusedHandshakes counter is the event to wait for.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as zmq from "zeromq";
import { generateCurveKeyPair, getRpcServer, getRpcTransport, type Transport } from "../../src/index.js";
import { encodeRequest, InProcessMatchmaker, MessageType, NodeClock, parseHostEntry } from "../../src/internal.js";
import { CountingEndpoint } from "../support/curve.js";
import { waitFor } from "../support/fixtures.js";

const mm = new InProcessMatchmaker(new NodeClock());
const transports: Transport[] = [];
const dealers: zmq.Dealer[] = [];
after(async () => {
  for (const d of dealers) d.close();
  await Promise.all(transports.map((t) => t.close()));
  await mm.close();
});

const frames = (id: string): Buffer[] =>
  encodeRequest(MessageType.CALL, id, {}, { method: "echo", args: { text: id } }, 1 << 20);

async function serve(curve: boolean, allowed?: string[]) {
  const keys = generateCurveKeyPair();
  const t = await getRpcTransport("zmq://", {
    matchmaker: mm,
    ...(curve ? { curve: { ...keys, ...(allowed ? { allowedClientKeys: allowed } : {}) } } : {}),
  });
  transports.push(t);
  const endpoint = new CountingEndpoint();
  const server = getRpcServer(t, { topic: `raw-${transports.length}`, server: "s" }, [endpoint], {
    logger: { warn: () => undefined },
  });
  await server.start();
  return { server, endpoint, keys, address: parseHostEntry(server.host!).address };
}

function rawDealer(options: ConstructorParameters<typeof zmq.Dealer>[0] = {}): zmq.Dealer {
  const d = new zmq.Dealer({ linger: 0, sendTimeout: 500, ...options });
  dealers.push(d);
  return d;
}

test("raw peer - control: a raw DEALER's well-formed request runs at a plaintext server and is answered", async () => {
  const { server, endpoint, address } = await serve(false);
  const d = rawDealer();
  d.connect(address);
  await d.send(frames("control-1"));
  const reply = await d.receive();
  assert.equal(reply[2]?.toString(), "5", "a reply (type 5) came back");
  assert.deepEqual(endpoint.ran, ["echo:control-1"]);
  assert.equal(server.stats.received, 1);
});

test("raw peer - a raw DEALER without CURVE sending well-formed requests to a CURVE server: nothing is read or run", async () => {
  const { server, endpoint, address } = await serve(true);
  const d = rawDealer({ immediate: false });
  d.connect(address);
  // Without ZMQ_IMMEDIATE the message is queued on the pipe at once; it never leaves it.
  await d.send(frames("plain-1"));
  await waitFor(() => server.stats.refusedHandshakes > 0, 5000, "the server to refuse the handshake");
  assert.deepEqual(endpoint.ran, []);
  assert.equal(server.stats.received, 0);
});

test("raw peer - a raw CURVE DEALER with the right server key but a client key outside the allow-list: nothing is read or run", async () => {
  const allowed = generateCurveKeyPair();
  const { server, endpoint, keys, address } = await serve(true, [allowed.publicKey]);
  const mine = generateCurveKeyPair();
  const d = rawDealer({
    immediate: false,
    curvePublicKey: mine.publicKey,
    curveSecretKey: mine.secretKey,
    curveServerKey: keys.publicKey,
  });
  d.connect(address);
  await d.send(frames("curve-1"));
  await waitFor(() => server.stats.refusedHandshakes > 0, 5000, "the server to refuse the key");
  assert.deepEqual(endpoint.ran, []);
  assert.equal(server.stats.received, 0);
  // The same server runs the same frames from an allowed key: the refusal is the key's.
  const ok = rawDealer({
    curvePublicKey: allowed.publicKey,
    curveSecretKey: allowed.secretKey,
    curveServerKey: keys.publicKey,
  });
  ok.connect(address);
  await ok.send(frames("curve-2"));
  await ok.receive();
  assert.deepEqual(endpoint.ran, ["echo:curve-2"]);
});
