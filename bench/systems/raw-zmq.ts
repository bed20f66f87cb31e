/**
 * The floor the driver is measured against: raw zeromq.js DEALER/ROUTER doing the same
 * work in the same process, one ZeroMQ message per send, with the driver's frame layout
 * (spec/codec.md) and the same JSON payload bytes, but no codec, no matchmaker, no pool,
 * no deadlines:
 * - calls: the DEALER sends `["", "1.0", "1", id, payload]`, the ROUTER echoes
 *   `[peer, "", "1.0", "5", id, payload]`; replies are matched to calls by id, so any
 *   number can be in flight (sends queued, one pending send per socket as zeromq.js requires);
 * - casts: `["", "1.0", "2", id, payload]`, counted by the ROUTER's receive loop;
 * - fanout: 10 ROUTERs, one DEALER connected to each, every message sent on each DEALER.
 * With `curve`, the call path's sockets use CURVE (raw-zmq-curve, for the CURVE A/B).
 */
import * as zmq from "zeromq";
import type { BenchSystem, OneWay, Payload } from "../types.js";
import { Counter } from "./counter.js";
import { FANOUT_SERVERS } from "./driver.js";

const VERSION = Buffer.from("1.0");
const CALL = Buffer.from("1");
const CAST = Buffer.from("2");
const REPLY = Buffer.from("5");
const EMPTY = Buffer.alloc(0);

/** A ROUTER that echoes calls and counts casts. */
async function echoRouter(options: ConstructorParameters<typeof zmq.Router>[0], casts: Counter): Promise<zmq.Router> {
  const router = new zmq.Router({ linger: 0, ...options });
  await router.bind("tcp://127.0.0.1:*");
  void (async () => {
    for await (const [peer, , , type, id, payload] of router) {
      if (type![0] === CALL[0]) await router.send([peer!, EMPTY, VERSION, REPLY, id!, payload!]);
      else casts.add(1);
    }
  })().catch(() => undefined);
  return router;
}

/** Sends queued frames one at a time (zeromq.js allows one pending send per socket). */
class SerialSender {
  private readonly queue: Buffer[][] = [];
  private draining = false;
  constructor(private readonly socket: zmq.Dealer) {}
  send(frames: Buffer[]): void {
    this.queue.push(frames);
    if (!this.draining) void this.drain();
  }
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let f = this.queue.shift(); f !== undefined; f = this.queue.shift()) await this.socket.send(f);
    } finally {
      this.draining = false;
    }
  }
}

export async function startRawZmq(curve = false): Promise<BenchSystem> {
  const serverKeys = zmq.curveKeyPair();
  const clientKeys = zmq.curveKeyPair();
  const casts = new Counter();
  const router = await echoRouter(curve ? { curveServer: true, curveSecretKey: serverKeys.secretKey } : {}, casts);
  const dealer = new zmq.Dealer({
    linger: 0,
    ...(curve
      ? {
          curvePublicKey: clientKeys.publicKey,
          curveSecretKey: clientKeys.secretKey,
          curveServerKey: serverKeys.publicKey,
        }
      : {}),
  });
  dealer.connect(router.lastEndpoint!);
  const sender = new SerialSender(dealer);
  const pending = new Map<string, () => void>();
  let next = 0;
  void (async () => {
    for await (const [, , , id] of dealer) {
      const key = id!.toString();
      const done = pending.get(key);
      pending.delete(key);
      done?.();
    }
  })().catch(() => undefined);

  const fanned = new Counter();
  const fanRouters = await Promise.all(Array.from({ length: FANOUT_SERVERS }, () => echoRouter({}, fanned)));
  const fanDealers = fanRouters.map((r) => {
    const d = new zmq.Dealer({ linger: 0 });
    d.connect(r.lastEndpoint!);
    return d;
  });

  const castFlow: OneWay = {
    perSend: 1,
    received: casts,
    async sendBurst(p: Payload, n: number) {
      for (let i = 0; i < n; i++) await dealer.send([EMPTY, VERSION, CAST, Buffer.from(String(next++)), p.rawFrame]);
    },
  };
  const fanout: OneWay = {
    perSend: FANOUT_SERVERS,
    received: fanned,
    async sendBurst(p: Payload, n: number) {
      for (let i = 0; i < n; i++) {
        const id = Buffer.from(String(next++));
        for (const d of fanDealers) await d.send([EMPTY, VERSION, CAST, id, p.rawFrame]);
      }
    },
  };
  return {
    name: curve ? "raw-zmq-curve" : "raw-zmq",
    call(p: Payload): Promise<void> {
      const id = String(next++);
      return new Promise<void>((resolve) => {
        pending.set(id, resolve);
        sender.send([EMPTY, VERSION, CALL, Buffer.from(id), p.rawFrame]);
      });
    },
    cast: curve ? undefined : castFlow,
    fanout: curve ? undefined : fanout,
    async close() {
      for (const s of [dealer, router, ...fanDealers, ...fanRouters]) s.close();
    },
  };
}
