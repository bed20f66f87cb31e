/**
 * Micro-benchmarks of the hot paths (scenario `micro`), with tinybench: the codec's
 * encode and decode of a request and of a reply (100 B argument), the delivery core's
 * start of a call with its host at hand plus its reply (no I/O: effects are no-ops), and
 * the dispatcher's choice of the endpoint method. Each round is one tinybench run of every
 * task; the rounds give the samples, as for the end-to-end scenarios.
 */
import { Bench } from "tinybench";
import {
  decodeReply,
  decodeRequest,
  DeliveryCore,
  type DeliveryEffects,
  Dispatcher,
  encodeReply,
  encodeRequest,
  MessageType,
} from "../../src/internal.js";
import type { Sample } from "../types.js";

type Task = { name: string; fn: () => void };

function tasks(): Task[] {
  const d = "x".repeat(100);
  const peer = Buffer.from("peer-identity");
  const request = encodeRequest(MessageType.CALL, "5f2a-1", { user: "u" }, { method: "echo", args: { d } });
  const reply = encodeReply(peer, "5f2a-1", d, null);
  const noEffects: DeliveryEffects<null> = {
    lookup: () => undefined,
    send: () => undefined,
    hostsSeen: () => undefined,
    release: () => undefined,
    settle: () => undefined,
  };
  const core = new DeliveryCore<null>(noEffects, { hostWaitIntervalMs: 100 });
  const hosts = Object.freeze(["tcp://127.0.0.1:5000"]);
  let id = 0;
  let now = 0;
  const endpoint = { echo: (_c: unknown, a: { d: string }) => a.d };
  const dispatcher = new Dispatcher([endpoint], "default");
  const message = { method: "echo", args: { d } };
  return [
    { name: "codec encode request", fn: () => encodeRequest(MessageType.CALL, "5f2a-1", { user: "u" }, message) },
    { name: "codec decode request", fn: () => decodeRequest([peer, ...request]) },
    { name: "codec encode reply", fn: () => encodeReply(peer, "5f2a-1", d, null) },
    { name: "codec decode reply", fn: () => decodeReply(reply.slice(1)) },
    {
      name: "delivery core start+reply",
      fn: () => {
        const key = String(++id);
        now += 0.01;
        const r = core.send(key, "call", "openstack/bench/s", now + 1, null, null, now, hosts);
        core.sendAccepted(r, hosts[0]!, now);
        core.replyReceived(key, true, d, now);
        // The timeline keeps settled requests' deadlines until a wake-up passes them: one every 1024.
        if ((id & 1023) === 0) core.timerFired(now);
      },
    },
    { name: "dispatcher dispatch", fn: () => dispatcher.dispatch(message) },
  ];
}

/** The micro-benchmarks' task names (the "systems" of scenario `micro`). */
export const MICRO_TASKS: readonly string[] = tasks().map((t) => t.name);

/** `rounds` tinybench runs of every task, `timeMs` per task per round: samples per task. */
export async function runMicro(
  rounds: number,
  timeMs: number,
  note: (line: string) => void,
): Promise<Record<string, Sample[]>> {
  const samples: Record<string, Sample[]> = {};
  const list = tasks();
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: timeMs, warmupTime: Math.min(20, timeMs), iterations: 20, warmupIterations: 20 });
    for (const t of list) bench.add(t.name, t.fn);
    await bench.run();
    for (const task of bench.tasks) {
      const res = task.result as { throughput?: { mean: number }; latency?: { p50: number; p99: number } } | undefined;
      if (!res?.throughput || !res.latency) continue;
      samples[task.name] ??= [];
      samples[task.name]!.push({
        opsPerSec: res.throughput.mean,
        p50Us: res.latency.p50 * 1000,
        p99Us: res.latency.p99 * 1000,
      });
    }
    note(`micro: round ${r + 1}/${rounds}`);
  }
  return samples;
}
