/**
 * Goal: the server's public key travels through the Redis matchmaker (zmq+redis://): the
 * entry stored in Redis carries it, a CURVE client that learns the server only from
 * Redis connects with it, a server restarted with a new key pair is reached with the new
 * one, and a plaintext client learns from the entry that it cannot connect.
 * Method: a redis-server started by the test (skipped, with the reason, when the binary
 * is absent); transports over zmq+redis:// on one Redis database.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  generateCurveKeyPair,
  getRpcServer,
  getRpcTransport,
  MessageDeliveryFailure,
  MessagingTimeout,
  RpcClient,
  type DriverOptions,
  type Transport,
} from "../../src/index.js";
import { listenKeys, parseHostEntry, transportInternals } from "../../src/internal.js";
import { CountingEndpoint } from "../support/curve.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

describe("CURVE over the Redis matchmaker", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  const transports: Transport[] = [];
  const open = async (o: DriverOptions): Promise<Transport> => {
    const t = await getRpcTransport(`${redis.url}/5`, o);
    transports.push(t);
    return t;
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await redis?.stop();
  });

  test("redis curve - the entry in Redis carries the key; a CURVE client reaches the server with it; a restart with a new key is followed", async () => {
    const client = generateCurveKeyPair();
    const first = generateCurveKeyPair();
    const st = await open({ curve: { ...first, allowedClientKeys: [client.publicKey] } });
    const server = getRpcServer(st, { topic: "rcurve", server: "s" }, [new CountingEndpoint()]);
    await server.start();

    const ct = await open({ curve: client });
    const [topicKey] = listenKeys({ topic: "rcurve", server: "s" });
    const listed = await transportInternals(ct).deps.matchmaker.getHosts(topicKey!);
    assert.deepEqual(listed, [server.host], "Redis lists the entry the server registered");
    assert.equal(parseHostEntry(listed[0]!).curveServerKey, first.publicKey);
    const c = new RpcClient(ct, { topic: "rcurve" }, { timeoutMs: 5000 });
    assert.equal(await c.call({}, "echo", { text: "via redis" }), "via redis");

    // Rotation: the server process restarts with a new key pair.
    await st.close();
    const second = generateCurveKeyPair();
    const st2 = await open({ curve: { ...second, allowedClientKeys: [client.publicKey] } });
    const server2 = getRpcServer(st2, { topic: "rcurve", server: "s" }, [new CountingEndpoint()]);
    await server2.start();
    assert.equal(parseHostEntry(server2.host!).curveServerKey, second.publicKey);
    assert.equal(await c.call({}, "echo", { text: "after rotation" }), "after rotation");
  });

  test("redis curve - a plaintext client learns from the Redis entry that the server requires CURVE", async () => {
    const keys = generateCurveKeyPair();
    const st = await open({ curve: keys });
    const server = getRpcServer(st, { topic: "rcurve-plain", server: "s" }, [new CountingEndpoint()]);
    await server.start();
    const pt = await open({});
    await assert.rejects(
      new RpcClient(pt, { topic: "rcurve-plain" }, { timeoutMs: 1500 }).call({}, "echo", { text: "x" }),
      (e: unknown) =>
        (e instanceof MessagingTimeout || e instanceof MessageDeliveryFailure) &&
        /requires CURVE/.test((e as Error).message),
    );
    assert.equal(server.stats.received, 0);
  });
});
