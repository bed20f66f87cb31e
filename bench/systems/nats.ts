/**
 * NATS as a peer (nats.js v2, package `nats`): a `nats-server` started by the benchmark on
 * a free loopback port, one connection serving and one calling, both in this process.
 * - calls: request/reply to a subscription that responds with the request's data;
 * - casts: publish to a subject with one subscriber, counted there;
 * - fanout: publish to a subject with 10 subscribers (10 deliveries per message).
 * Skipped with a note when `nats-server` is not on the PATH.
 */
import type { ChildProcess } from "node:child_process";
import { connect, type NatsConnection } from "nats";
import type { BenchSystem, OneWay, Payload } from "../types.js";
import { Counter } from "./counter.js";
import { FANOUT_SERVERS } from "./driver.js";
import { findBinary, freePort, startChild, stopChild, waitForPort } from "./processes.js";

const yieldToIo = (): Promise<void> => new Promise((r) => setImmediate(r));

function publishFlow(nc: NatsConnection, subject: string, received: Counter, perSend: number): OneWay {
  return {
    perSend,
    received,
    async sendBurst(p: Payload, n: number) {
      for (let i = 0; i < n; i++) nc.publish(subject, p.buf);
      await yieldToIo(); // publish only buffers: let the connection write
    },
  };
}

/** Why NATS cannot run here, or undefined. */
export function natsSkipReason(): string | undefined {
  return findBinary("nats-server") ? undefined : "nats-server is not on the PATH (apt-get install nats-server)";
}

export async function startNats(): Promise<BenchSystem> {
  const bin = findBinary("nats-server");
  if (!bin) throw new Error(natsSkipReason());
  const port = await freePort();
  const child: ChildProcess & { log: () => string } = startChild(bin, ["-a", "127.0.0.1", "-p", String(port)]);
  let server: NatsConnection | undefined;
  let client: NatsConnection | undefined;
  try {
    await waitForPort(port, 10_000, child);
    const servers = `127.0.0.1:${port}`;
    server = await connect({ servers, name: "bench-server" });
    client = await connect({ servers, name: "bench-client" });
    const s = server;
    s.subscribe("bench.echo", { callback: (_e, m) => m.respond(m.data) });
    const casts = new Counter();
    s.subscribe("bench.cast", { callback: () => casts.add(1) });
    const fanned = new Counter();
    for (let i = 0; i < FANOUT_SERVERS; i++) s.subscribe("bench.fan", { callback: () => fanned.add(1) });
    await s.flush();
    const c = client;
    return {
      name: "nats",
      call: (p: Payload) => c.request("bench.echo", p.buf, { timeout: 30_000 }),
      cast: publishFlow(c, "bench.cast", casts, 1),
      fanout: publishFlow(c, "bench.fan", fanned, FANOUT_SERVERS),
      async close() {
        await c.close();
        await s.close();
        await stopChild(child);
      },
    };
  } catch (err) {
    await client?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await stopChild(child);
    throw new Error(`nats-server did not start: ${(err as Error).message}\n${child.log()}`);
  }
}
