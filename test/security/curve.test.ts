/**
 * Goal: CURVE between real processes' transports (spec/security.md): with an allowed client
 * key calls, casts and fanouts work; an unknown key, a plaintext client at a CURVE server,
 * a CURVE client at a plaintext server and a forged server key all fail with an error
 * naming the cause, at the latest at the deadline, and nothing from the refused client
 * runs; refusals are counted and logged once per client key.
 * Method: real zeromq.js sockets on loopback, one in-process matchmaker shared by the
 * transports (each transport has its own zeromq Context and ZAP handler, as separate
 * processes would).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  generateCurveKeyPair,
  getNotificationListener,
  getNotificationTransport,
  getRpcServer,
  getRpcTransport,
  MessageDeliveryFailure,
  MessagingTimeout,
  Notifier,
  RpcClient,
  type DriverOptions,
  type RpcServer,
  type Transport,
} from "../../src/index.js";
import { InProcessMatchmaker, NodeClock, parseHostEntry } from "../../src/internal.js";
import { capturingLogger, CountingEndpoint, moveEntry } from "../support/curve.js";
import { KeptLogger, RecordingEndpoint } from "../support/notify-fixtures.js";
import { waitFor } from "../support/fixtures.js";

const TIMEOUT_MS = 1500;

/** Asserts that `p` fails with MessagingTimeout or MessageDeliveryFailure whose message matches `cause`. */
async function failsNaming(p: Promise<unknown>, cause: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MessagingTimeout || e instanceof MessageDeliveryFailure, `got ${String(e)}`);
    assert.match((e as Error).message, cause);
    return true;
  });
}

describe("CURVE between transports", () => {
  const mm = new InProcessMatchmaker(new NodeClock());
  const serverKeys = generateCurveKeyPair();
  const clientKeys = generateCurveKeyPair();
  const strangerKeys = generateCurveKeyPair();
  const log = capturingLogger();
  const endpoints = [new CountingEndpoint(), new CountingEndpoint()];
  const transports: Transport[] = [];
  let servers: RpcServer[];
  const open = async (o: DriverOptions): Promise<Transport> => {
    const t = await getRpcTransport("zmq://", { matchmaker: mm, ...o });
    transports.push(t);
    return t;
  };

  before(async () => {
    const st = await open({
      curve: { ...serverKeys, allowedClientKeys: [clientKeys.publicKey, serverKeys.publicKey] },
    });
    servers = endpoints.map((e, i) => getRpcServer(st, { topic: "secure", server: `s${i}` }, [e], { logger: log }));
    await Promise.all(servers.map((s) => s.start()));
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await mm.close();
  });

  test("curve - the servers publish their public key with their address", () => {
    for (const s of servers) {
      const entry = parseHostEntry(s.host!);
      assert.match(entry.address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(entry.curveServerKey, serverKeys.publicKey);
    }
  });

  test("curve - an allowed client key: calls, casts and fanouts work", async () => {
    const t = await open({ curve: clientKeys });
    const client = new RpcClient(t, { topic: "secure" }, { timeoutMs: 5000 });
    assert.equal(await client.call({}, "echo", { text: "hello" }), "hello");
    await client.cast({}, "note", { text: "cast" });
    await client.prepare({ fanout: true }).cast({}, "note", { text: "fanout" });
    for (let i = 0; i < 2; i++) await client.prepare({ server: `s${i}` }).call({}, "echo", { text: `sync${i}` });
    const ran = endpoints.flatMap((e) => e.ran);
    assert.ok(ran.includes("echo:hello"));
    assert.equal(ran.filter((r) => r === "note:cast").length, 1);
    for (const e of endpoints) assert.ok(e.ran.includes("note:fanout"), "the fanout reached every server");
  });

  test("curve - notifications: a listener pool on a CURVE transport gets an allowed publisher's notification; a stranger's is refused", async () => {
    const listening = await getNotificationTransport("zmq://", {
      matchmaker: mm,
      curve: { ...serverKeys, allowedClientKeys: [clientKeys.publicKey] },
    });
    transports.push(listening);
    const ep = new RecordingEndpoint();
    const listener = getNotificationListener(listening, [{ topic: "secure-events" }], [ep], {
      pool: "p",
      logger: new KeptLogger(),
    });
    await listener.start();
    const publishing = await getNotificationTransport("zmq://", { matchmaker: mm, curve: clientKeys });
    const strange = await getNotificationTransport("zmq://", { matchmaker: mm, curve: strangerKeys });
    transports.push(publishing, strange);
    await new Notifier(publishing, { topics: ["secure-events"], logger: new KeptLogger() }).info({}, "e", "ok");
    await assert.rejects(
      new Notifier(strange, { topics: ["secure-events"], logger: new KeptLogger(), timeoutMs: TIMEOUT_MS }).info(
        {},
        "e",
        "intruder",
      ),
      MessageDeliveryFailure,
    );
    await waitFor(() => ep.events.length > 0, 5000, "the notification");
    assert.deepEqual(ep.payloads(), ["ok"]);
    await listener.stop();
  });

  test("curve - an unknown client key is refused: the call and the cast fail naming the refusal, nothing runs, the refusal is counted and logged once", async () => {
    const t = await open({ curve: strangerKeys });
    const before = endpoints.map((e) => e.ran.length);
    const received = servers.map((s) => s.stats.received);
    const client = new RpcClient(t, { topic: "secure" }, { timeoutMs: TIMEOUT_MS });
    await failsNaming(client.call({}, "echo", { text: "intruder" }), /refused this client's CURVE key/);
    await failsNaming(client.cast({}, "note", { text: "intruder" }), /refused this client's CURVE key/);
    await failsNaming(client.call({}, "echo", { text: "again" }), /refused this client's CURVE key/);
    assert.deepEqual(
      endpoints.map((e) => e.ran.length),
      before,
      "no handler ran",
    );
    assert.deepEqual(
      servers.map((s) => s.stats.received),
      received,
      "nothing was read from the refused client",
    );
    const refused = servers.reduce((n, s) => n + s.stats.refusedHandshakes, 0);
    assert.ok(refused >= 2, `refusals counted (${refused})`);
    const lines = log.lines.filter((l) => l.details?.clientKey === strangerKeys.publicKey);
    assert.ok(lines.length >= 1 && lines.length <= servers.length, `logged once per server (${lines.length} lines)`);
    assert.match(lines[0]!.message, /refused a CURVE client key not in curve.allowedClientKeys/);
  });

  test("curve - a plaintext client at a CURVE server fails naming the cause, never connecting in plaintext", async () => {
    const t = await open({});
    const before = endpoints.map((e) => e.ran.length);
    const client = new RpcClient(t, { topic: "secure" }, { timeoutMs: TIMEOUT_MS });
    await failsNaming(client.call({}, "echo", { text: "plain" }), /requires CURVE .* no DriverOptions\.curve/);
    assert.equal(t.poolMetrics.created > 0, true);
    assert.deepEqual(
      endpoints.map((e) => e.ran.length),
      before,
    );
  });

  test("curve - a CURVE client at a plaintext server fails naming the cause, never connecting in plaintext", async () => {
    const plain = await open({});
    const endpoint = new CountingEndpoint();
    const server = getRpcServer(plain, { topic: "plain", server: "p0" }, [endpoint]);
    await server.start();
    const t = await open({ curve: clientKeys });
    const client = new RpcClient(t, { topic: "plain" }, { timeoutMs: TIMEOUT_MS });
    await failsNaming(client.call({}, "echo", { text: "x" }), /published no CURVE key: this transport requires CURVE/);
    assert.deepEqual(endpoint.ran, []);
    assert.equal(server.stats.received, 0);
    await server.stop();
  });

  test("curve - matchmaker poisoning: an attacker's own server registered under the topic takes calls from a client that trusts the matchmaker, none from one that pins the server keys", async () => {
    // The real server of the topic, and an attacker who can write to the matchmaker and
    // runs a CURVE server of its own (its own key pair, so its handshakes succeed).
    const real = getRpcServer(await open({ curve: serverKeys }), { topic: "pinned", server: "real" }, [
      new CountingEndpoint(),
    ]);
    await real.start();
    const attacker = generateCurveKeyPair();
    const loot = new CountingEndpoint();
    const rogue = getRpcServer(await open({ curve: attacker }), { topic: "pinned", server: "rogue" }, [loot]);
    await rogue.start();
    const trusting = new RpcClient(await open({ curve: clientKeys }), { topic: "pinned" }, { timeoutMs: 5000 });
    for (let i = 0; i < 4; i++) await trusting.call({}, "echo", { text: `t${i}` });
    assert.ok(loot.ran.length > 0, "without pinned keys the rogue server got calls (the threat)");
    const ran = loot.ran.length;
    const pinning = new RpcClient(
      await open({ curve: { ...clientKeys, allowedServerKeys: [serverKeys.publicKey] } }),
      { topic: "pinned" },
      { timeoutMs: 5000 },
    );
    for (let i = 0; i < 6; i++) assert.equal(await pinning.call({}, "echo", { text: `p${i}` }), `p${i}`);
    assert.equal(loot.ran.length, ran, "with pinned keys the rogue server got nothing");
    await Promise.all([real.stop(), rogue.stop()]);
  });

  test("curve - a forged entry (the server's address with another key) fails the handshake: the call fails naming it, nothing runs", async () => {
    const own = await open({ curve: { ...serverKeys } });
    const endpoint = new CountingEndpoint();
    const target = { topic: "forged", server: "f0" };
    const server = getRpcServer(own, target, [endpoint], { logger: log });
    await server.start();
    // An attacker who can write to the matchmaker, but does not hold the server's secret key.
    await moveEntry(mm, target, server.host!, { key: generateCurveKeyPair().publicKey });
    const t = await open({ curve: clientKeys });
    const client = new RpcClient(t, { topic: "forged" }, { timeoutMs: TIMEOUT_MS });
    await failsNaming(client.call({}, "echo", { text: "x" }), /CURVE handshake with .* failed: the server hung up/);
    assert.deepEqual(endpoint.ran, []);
    assert.equal(server.stats.received, 0);
    await waitFor(() => server.stats.refusedHandshakes > 0, 5000, "the server to count the failed handshake");
    assert.ok(
      log.lines.some((l) => /another server key/.test(l.message)),
      "logged once as a key failure",
    );
    await server.stop();
  });
});
