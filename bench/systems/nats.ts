/**
 * NATS as a peer (nats.js v2, package `nats`): a `nats-server` started by the benchmark on
 * a free loopback port, one connection serving and one calling, both in this process.
 * - calls: request/reply to a subscription that responds with the request's data;
 * - casts: publish to a subject with one subscriber, counted there;
 * - fanout: publish to a subject with 10 subscribers (10 deliveries per message).
 * `nats` carries the payload as bytes. `nats-json` carries what the driver's caller hands
 * it, `{ d: text }`, through nats.js's JSONCodec: encoded per send, decoded by every
 * receiver (and the reply, `d`, encoded and decoded the same way), the work an application
 * sending structured messages over NATS does and the driver's codec does for it.
 * Skipped with a note when `nats-server` is not on the PATH.
 */
import type { ChildProcess } from "node:child_process";
import { type Codec, connect, JSONCodec, type NatsConnection } from "nats";
import type { BenchSystem, OneWay, Payload } from "../types.js";
import { Counter } from "./counter.js";
import { FANOUT_SERVERS } from "./driver.js";
import { findBinary, freePort, startChild, stopChild, waitForPort } from "./processes.js";

const yieldToIo = (): Promise<void> => new Promise((r) => setImmediate(r));

type Args = { d: string };

/** How a system's messages become bytes and back: as they are, or through JSONCodec. */
interface Body {
  /** The message of a send carrying `p`. */
  out(p: Payload): Uint8Array;
  /** What a receiver does with a message's data before it counts it or answers. */
  read(data: Uint8Array): void;
  /** The answer to a call's request data. */
  answer(data: Uint8Array): Uint8Array;
}

const RAW: Body = { out: (p) => p.buf, read: () => undefined, answer: (data) => data };

function jsonBody(jc: Codec<unknown>): Body {
  return {
    out: (p) => jc.encode({ d: p.text }),
    read: (data) => void jc.decode(data),
    answer: (data) => jc.encode((jc.decode(data) as Args).d),
  };
}

function publishFlow(nc: NatsConnection, subject: string, received: Counter, perSend: number, body: Body): OneWay {
  return {
    perSend,
    received,
    async sendBurst(p: Payload, n: number) {
      for (let i = 0; i < n; i++) nc.publish(subject, body.out(p));
      await yieldToIo(); // publish only buffers: let the connection write
    },
  };
}

/** Why NATS cannot run here, or undefined. */
export function natsSkipReason(): string | undefined {
  return findBinary("nats-server") ? undefined : "nats-server is not on the PATH (apt-get install nats-server)";
}

/** NATS carrying bytes (`json` false, system `nats`) or JSON through JSONCodec (`nats-json`). */
export async function startNats(json = false): Promise<BenchSystem> {
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
    const body = json ? jsonBody(JSONCodec()) : RAW;
    const counted = (counter: Counter) => ({
      callback: (_e: unknown, m: { data: Uint8Array }) => {
        body.read(m.data);
        counter.add(1);
      },
    });
    s.subscribe("bench.echo", { callback: (_e, m) => m.respond(body.answer(m.data)) });
    const casts = new Counter();
    s.subscribe("bench.cast", counted(casts));
    const fanned = new Counter();
    for (let i = 0; i < FANOUT_SERVERS; i++) s.subscribe("bench.fan", counted(fanned));
    await s.flush();
    const c = client;
    return {
      name: json ? "nats-json" : "nats",
      call: async (p: Payload) => body.read((await c.request("bench.echo", body.out(p), { timeout: 30_000 })).data),
      cast: publishFlow(c, "bench.cast", casts, 1, body),
      fanout: publishFlow(c, "bench.fan", fanned, FANOUT_SERVERS, body),
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
