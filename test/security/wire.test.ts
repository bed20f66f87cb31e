/**
 * Goal: with CURVE the bytes on the wire carry no plaintext payload (spec/security.md,
 * "Threat model": the network between hosts); without it they do (the control, which
 * shows that the capture sees the traffic).
 * Method: a TCP relay (node:net, test/support/curve.ts) between client and server records
 * every byte both ways. The server's matchmaker entries are moved to the relay's address,
 * keeping the server's published key, so the client reaches the server only through it.
 * A distinctive string travels in the request's arguments, its context and the reply.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, test } from "node:test";
import {
  generateCurveKeyPair,
  getRpcServer,
  getRpcTransport,
  RpcClient,
  type DriverOptions,
  type Transport,
} from "../../src/index.js";
import { InProcessMatchmaker, NodeClock } from "../../src/internal.js";
import { CountingEndpoint, moveEntry, startRelay, type Relay } from "../support/curve.js";

const mm = new InProcessMatchmaker(new NodeClock());
const transports: Transport[] = [];
const relays: Relay[] = [];
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(relays.map((r) => r.close()));
  await mm.close();
});

/** A call and a cast through a relay; returns the bytes the relay saw and the marker sent. */
async function capture(server: DriverOptions, client: DriverOptions): Promise<{ bytes: Buffer; marker: string }> {
  const marker = `PLAINTEXT-MARKER-${randomUUID()}`;
  const st = await getRpcTransport("zmq://", { matchmaker: mm, ...server });
  const ct = await getRpcTransport("zmq://", { matchmaker: mm, ...client });
  transports.push(st, ct);
  const target = { topic: `wire-${randomUUID()}`, server: "s" };
  const endpoint = new CountingEndpoint();
  const rpc = getRpcServer(st, target, [endpoint]);
  await rpc.start();
  const relay = await startRelay(rpc.host!.replace(/#.*$/, ""));
  relays.push(relay);
  await moveEntry(mm, target, rpc.host!, { address: relay.address });
  const c = new RpcClient(ct, { topic: target.topic }, { timeoutMs: 5000 });
  assert.equal(await c.call({ note: marker }, "echo", { text: marker }), marker);
  await c.cast({}, "note", { text: marker });
  await c.call({}, "echo", { text: "sync" });
  assert.deepEqual(
    endpoint.ran,
    [`echo:${marker}`, `note:${marker}`, "echo:sync"],
    "everything went through the relay",
  );
  return { bytes: relay.bytes(), marker };
}

test("wire - control: without CURVE the relay sees the payload in plaintext", async () => {
  const { bytes, marker } = await capture({}, {});
  assert.ok(bytes.length > 0);
  assert.ok(bytes.includes(marker), "the marker is on the wire");
});

test("wire - with CURVE the relay sees no plaintext payload: not the marker, not the method name", async () => {
  const server = generateCurveKeyPair();
  const client = generateCurveKeyPair();
  const { bytes, marker } = await capture(
    { curve: { ...server, allowedClientKeys: [client.publicKey] } },
    { curve: client },
  );
  assert.ok(bytes.length > 0, "traffic went through the relay");
  assert.ok(!bytes.includes(marker), "the marker is not on the wire");
  assert.ok(!bytes.includes("PLAINTEXT-MARKER"), "no part of it either");
  assert.ok(!bytes.includes('"method"'), "nor the request's JSON");
  assert.ok(bytes.includes("CURVE"), "the ZMTP greeting names the CURVE mechanism");
});
