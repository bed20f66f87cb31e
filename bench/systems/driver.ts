/**
 * The driver under test: one transport in this process serving and calling over real
 * zeromq.js sockets on loopback (in-process matchmaker), as a user would set it up.
 * - calls: a named server's `echo`, which returns the argument (the payload both ways);
 * - casts: `count` on the same server, counted when the server's endpoint runs;
 * - fanout: a cast with `fanout: true` to a topic of 10 servers, counted per server;
 * - notifications: a Notifier to one listener, counted when its endpoint runs.
 * Variants (driver-variants.ts) add a proxy hop or CURVE to the call path.
 */
import {
  getNotificationListener,
  getNotificationTransport,
  getRpcServer,
  getRpcTransport,
  Notifier,
  RpcClient,
  type Transport,
} from "../../src/index.js";
import { InProcessMatchmaker, NodeClock } from "../../src/internal.js";
import type { BenchSystem, OneWay, Payload } from "../types.js";
import { Counter } from "./counter.js";

export const FANOUT_SERVERS = 10;
const TIMEOUT_MS = 30_000;

type Args = { d: string };

/** A driver client whose casts, whatever the call, are sent in bursts of `n` and awaited together. */
function castFlow(client: RpcClient, method: string, received: Counter, perSend: number): OneWay {
  return {
    perSend,
    received,
    async sendBurst(p: Payload, n: number): Promise<void> {
      const sends: Promise<void>[] = new Array(n);
      for (let i = 0; i < n; i++) sends[i] = client.cast({}, method, { d: p.text });
      await Promise.all(sends);
    },
  };
}

/** Servers on `topic` named `<topic>-<i>`, each with `echo` and `count` (counted into `counter`). */
async function startServers(transport: Transport, topic: string, n: number, counter: Counter): Promise<void> {
  for (let i = 0; i < n; i++) {
    const endpoint = { echo: (_c: unknown, a: Args) => a.d, count: () => counter.add(1) };
    await getRpcServer(transport, { topic, server: `${topic}-${i}` }, [endpoint]).start();
  }
}

export async function startDriver(): Promise<BenchSystem> {
  const matchmaker = new InProcessMatchmaker(new NodeClock());
  const transport = await getRpcTransport("zmq://", { matchmaker });
  const casts = new Counter();
  await startServers(transport, "bench", 1, casts);
  const client = new RpcClient(transport, { topic: "bench", server: "bench-0" }, { timeoutMs: TIMEOUT_MS });
  await client.call({}, "echo", { d: "" });

  const fanned = new Counter();
  await startServers(transport, "fan", FANOUT_SERVERS, fanned);
  const fanClient = new RpcClient(transport, { topic: "fan", fanout: true }, { timeoutMs: TIMEOUT_MS });

  const notes = await getNotificationTransport("zmq://", { matchmaker });
  const notified = new Counter();
  const listener = getNotificationListener(notes, [{ topic: "bench-notify" }], [{ info: () => notified.add(1) }]);
  await listener.start();
  const notifier = new Notifier(notes, { topics: ["bench-notify"], timeoutMs: TIMEOUT_MS });

  return {
    name: "driver",
    call: (p: Payload) => client.call({}, "echo", { d: p.text }),
    cast: castFlow(client, "count", casts, 1),
    fanout: castFlow(fanClient, "count", fanned, FANOUT_SERVERS),
    notify: {
      perSend: 1,
      received: notified,
      async sendBurst(p: Payload, n: number): Promise<void> {
        const sends: Promise<void>[] = new Array(n);
        for (let i = 0; i < n; i++) sends[i] = notifier.info({}, "bench.event", { d: p.text });
        await Promise.all(sends);
      },
    },
    async close() {
      await listener.stop();
      await notes.close();
      await transport.close();
    },
  };
}
