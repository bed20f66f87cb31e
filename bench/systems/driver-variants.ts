/**
 * The driver's call path with one thing added, for the A/B scenarios beside the plain
 * driver in the same rounds:
 * - driver-proxy: proxy routing mode (spec/proxy.md) through one proxy in this process,
 *   i.e. one hop more each way;
 * - driver-curve: CURVE on (spec/security.md, "Cost"): one transport serving and calling
 *   with its own key on its allow-list, so the server's ZAP handler is in use.
 */
import { generateCurveKeyPair, getRpcServer, getRpcTransport, RpcClient } from "../../src/index.js";
import {
  CryptoRng,
  InProcessMatchmaker,
  NodeClock,
  ProxyShell,
  resolveOptions,
  ZmqSocketFactory,
} from "../../src/internal.js";
import type { BenchSystem, Payload } from "../types.js";

const TIMEOUT_MS = 30_000;
const echo = { echo: (_c: unknown, a: { d: string }) => a.d };

export async function startDriverViaProxy(): Promise<BenchSystem> {
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  const proxy = new ProxyShell(
    {
      sockets: new ZmqSocketFactory(),
      clock: new NodeClock(),
      rng: new CryptoRng(),
      matchmaker,
      options: resolveOptions({}),
    },
    { drainMs: 0 },
  );
  await proxy.start();
  const transport = await getRpcTransport("zmq://", { matchmaker, routing: "proxy" });
  await getRpcServer(transport, { topic: "bench", server: "s" }, [echo]).start();
  const client = new RpcClient(transport, { topic: "bench", server: "s" }, { timeoutMs: TIMEOUT_MS });
  await client.call({}, "echo", { d: "" });
  return {
    name: "driver-proxy",
    call: (p: Payload) => client.call({}, "echo", { d: p.text }),
    async close() {
      await transport.close();
      await proxy.stop();
    },
  };
}

export async function startDriverCurve(): Promise<BenchSystem> {
  const keys = generateCurveKeyPair();
  const transport = await getRpcTransport("zmq://", {
    matchmaker: new InProcessMatchmaker(new NodeClock()),
    curve: { ...keys, allowedClientKeys: [keys.publicKey] },
  });
  await getRpcServer(transport, { topic: "bench-curve", server: "s" }, [echo]).start();
  const client = new RpcClient(transport, { topic: "bench-curve", server: "s" }, { timeoutMs: TIMEOUT_MS });
  await client.call({}, "echo", { d: "" });
  return {
    name: "driver-curve",
    call: (p: Payload) => client.call({}, "echo", { d: p.text }),
    close: () => transport.close(),
  };
}
