/**
 * Goal: keys can be rotated without downtime (spec/security.md, "Key rotation"):
 * - a server restarted with a new key pair publishes its new key; a client that talked to
 *   the old one picks the new entry from the matchmaker, connects with the new key, and
 *   closes its socket to the old entry (host and key are one identity);
 * - a stale entry (the server's address with its old key, as left by a crash before the
 *   TTL ran out) fails its handshake, and calls move to the live entry;
 * - the allow-list: servers that accept the old and the new client key serve clients of
 *   both while clients change keys, then drop the old key.
 * Method: real sockets, one in-process matchmaker; each "process" is a transport.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  generateCurveKeyPair,
  getRpcServer,
  getRpcTransport,
  MessageDeliveryFailure,
  MessagingTimeout,
  RpcClient,
  type CurveOptions,
  type RpcServer,
  type Transport,
} from "../../src/index.js";
import { InProcessMatchmaker, listenKeys, NodeClock, parseHostEntry } from "../../src/internal.js";
import { CountingEndpoint, moveEntry } from "../support/curve.js";

const mm = new InProcessMatchmaker(new NodeClock());
const transports: Transport[] = [];
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await mm.close();
});

async function process(curve: CurveOptions): Promise<Transport> {
  const t = await getRpcTransport("zmq://", { matchmaker: mm, curve });
  transports.push(t);
  return t;
}

async function startServer(t: Transport, topic: string, name = "s"): Promise<RpcServer> {
  const s = getRpcServer(t, { topic, server: name }, [new CountingEndpoint()], { logger: { warn: () => undefined } });
  await s.start();
  return s;
}

test("rotation - a server restarted with a new key pair: the client uses the new published key and drops the old entry", async () => {
  const client = generateCurveKeyPair();
  const ct = await process(client);
  const c = new RpcClient(ct, { topic: "rot" }, { timeoutMs: 5000 });

  const oldKeys = generateCurveKeyPair();
  const oldTransport = await process({ ...oldKeys, allowedClientKeys: [client.publicKey] });
  const before = await startServer(oldTransport, "rot");
  assert.equal(await c.call({}, "echo", { text: "one" }), "one");
  const oldEntry = before.host!;
  await oldTransport.close(); // a graceful stop deregisters first

  const newKeys = generateCurveKeyPair();
  const after = await startServer(await process({ ...newKeys, allowedClientKeys: [client.publicKey] }), "rot");
  assert.equal(parseHostEntry(after.host!).curveServerKey, newKeys.publicKey);
  assert.notEqual(after.host, oldEntry);
  assert.deepEqual(await mm.getHosts(listenKeys({ topic: "rot", server: "s" })[0]!), [after.host]);
  assert.equal(await c.call({}, "echo", { text: "two" }), "two");
  assert.ok(ct.poolMetrics.closedHostRemoved >= 1, "the socket to the old entry was closed");
});

test("rotation - a stale entry with the old key at the server's address fails its handshake; calls go to the live entry", async () => {
  const client = generateCurveKeyPair();
  const ct = await process(client);
  const newKeys = generateCurveKeyPair();
  const server = await startServer(await process({ ...newKeys, allowedClientKeys: [client.publicKey] }), "stale");
  // What a crash before the TTL leaves when the server comes back at the same address:
  // the address with the key it had before (registered beside the live entry).
  await moveEntry(mm, { topic: "stale", server: "s" }, server.host!, {
    key: generateCurveKeyPair().publicKey,
  });
  for (const key of listenKeys({ topic: "stale", server: "s" })) await mm.register(key, server.host!, null);
  const c = new RpcClient(ct, { topic: "stale" }, { timeoutMs: 10_000 });
  for (let i = 0; i < 4; i++) assert.equal(await c.call({}, "echo", { text: `call-${i}` }), `call-${i}`);
  assert.ok(server.stats.refusedHandshakes > 0, "the stale entry's handshakes reached the server and failed");
});

test("rotation - allow-list without downtime: servers accept the old and the new client key, clients switch, then the old key is dropped", async () => {
  const serverKeys = generateCurveKeyPair();
  const oldClient = generateCurveKeyPair();
  const newClient = generateCurveKeyPair();
  // Step 1: every server accepts both keys (rolling restarts, one server at a time).
  const both = await process({ ...serverKeys, allowedClientKeys: [oldClient.publicKey, newClient.publicKey] });
  const s1 = await startServer(both, "allow");
  const oldT = await process(oldClient);
  const newT = await process(newClient);
  assert.equal(await new RpcClient(oldT, { topic: "allow" }, { timeoutMs: 5000 }).call({}, "echo", { text: "a" }), "a");
  assert.equal(await new RpcClient(newT, { topic: "allow" }, { timeoutMs: 5000 }).call({}, "echo", { text: "b" }), "b");
  // Step 3: the servers drop the old key (again one at a time); clients all hold the new one.
  const onlyNew = await process({ ...serverKeys, allowedClientKeys: [newClient.publicKey] });
  const s2 = await startServer(onlyNew, "allow", "s2");
  await s1.stop();
  assert.equal(await new RpcClient(newT, { topic: "allow" }, { timeoutMs: 5000 }).call({}, "echo", { text: "c" }), "c");
  const late = await process(oldClient); // a client that was not switched
  await assert.rejects(
    new RpcClient(late, { topic: "allow" }, { timeoutMs: 1500 }).call({}, "echo", { text: "d" }),
    (e: unknown) =>
      (e instanceof MessagingTimeout || e instanceof MessageDeliveryFailure) &&
      /refused this client's CURVE key/.test((e as Error).message),
  );
  assert.ok(s2.stats.refusedHandshakes > 0);
});
