/**
 * RabbitMQ as a peer (amqplib) against a private node (rabbitmq-server.ts); a serving and
 * a calling connection in this process.
 * - calls: direct reply-to (`amq.rabbitmq.reply-to`, no reply queue), the server consuming
 *   the `bench.rpc` queue without acks and answering with the request's body;
 * - casts: `sendToQueue` to the `bench.cast` queue, consumed without acks, counted;
 * - fanout: a fanout exchange with 10 bound queues, each consumed and counted.
 * Publishes are not confirmed (fire and forget, like a cast): throughput is what the
 * consumers receive. Skipped with a note when `rabbitmq-server` is not on the PATH.
 */
import * as amqp from "amqplib";
import type { BenchSystem, OneWay, Payload } from "../types.js";
import { Counter } from "./counter.js";
import { FANOUT_SERVERS } from "./driver.js";
import { startRabbitNode } from "./rabbitmq-server.js";

const REPLY_TO = "amq.rabbitmq.reply-to";

/** Waits for the channel's write buffer to drain when publish said it is full, else just lets I/O run. */
function settle(channel: amqp.Channel, full: boolean): Promise<void> {
  return new Promise((r) => (full ? channel.once("drain", () => r()) : setImmediate(r)));
}

function publishFlow(ch: amqp.Channel, exchange: string, key: string, received: Counter, perSend: number): OneWay {
  return {
    perSend,
    received,
    async sendBurst(p: Payload, n: number) {
      let full = false;
      for (let i = 0; i < n; i++) full = !ch.publish(exchange, key, p.buf) || full;
      await settle(ch, full);
    },
  };
}

/** Connects, retrying while the node finishes booting (its port opens before it accepts AMQP logins). */
async function connectWhenReady(url: string, limitMs: number): Promise<amqp.ChannelModel> {
  const until = Date.now() + limitMs;
  for (;;) {
    try {
      return await amqp.connect(url, { noDelay: true }); // as the other systems: no Nagle delay
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function startRabbit(): Promise<BenchSystem> {
  const node = await startRabbitNode();
  try {
    const url = `amqp://guest:guest@127.0.0.1:${node.port}`;
    const serving = await connectWhenReady(url, 30_000);
    const calling = await connectWhenReady(url, 30_000);
    const sch = await serving.createChannel();
    await sch.assertQueue("bench.rpc", { durable: false });
    await sch.consume(
      "bench.rpc",
      (m) => m && sch.sendToQueue(m.properties.replyTo, m.content, { correlationId: m.properties.correlationId }),
      { noAck: true },
    );
    const casts = new Counter();
    await sch.assertQueue("bench.cast", { durable: false });
    await sch.consume("bench.cast", () => casts.add(1), { noAck: true });
    const fanned = new Counter();
    await sch.assertExchange("bench.fan", "fanout", { durable: false });
    for (let i = 0; i < FANOUT_SERVERS; i++) {
      const q = await sch.assertQueue("", { exclusive: true });
      await sch.bindQueue(q.queue, "bench.fan", "");
      await sch.consume(q.queue, () => fanned.add(1), { noAck: true });
    }

    const cch = await calling.createChannel();
    const pending = new Map<string, () => void>();
    await cch.consume(
      REPLY_TO,
      (m) => {
        const id = m?.properties.correlationId as string | undefined;
        if (id === undefined) return;
        pending.get(id)?.();
        pending.delete(id);
      },
      { noAck: true },
    );
    cch.setMaxListeners(0); // every call waiting for "drain" listens once
    let next = 0;
    return {
      name: "rabbitmq",
      async call(p: Payload) {
        const id = String(next++);
        const replied = new Promise<void>((r) => pending.set(id, r));
        if (!cch.sendToQueue("bench.rpc", p.buf, { replyTo: REPLY_TO, correlationId: id }))
          await new Promise<void>((r) => cch.once("drain", () => r()));
        await replied;
      },
      cast: publishFlow(cch, "", "bench.cast", casts, 1),
      fanout: publishFlow(cch, "bench.fan", "", fanned, FANOUT_SERVERS),
      async close() {
        await calling.close().catch(() => undefined);
        await serving.close().catch(() => undefined);
        await node.stop();
      },
    };
  } catch (err) {
    await node.stop();
    throw err;
  }
}
