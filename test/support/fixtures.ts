/**
 * Fixtures ported from oslo.messaging's functional tests (tests/functional/utils.py):
 * TestServerEndpoint, a server group of three servers on a fresh topic, and the
 * IsValidDistributionOf matcher. Each test gets its own in-process matchmaker, so tests
 * never see each other's servers.
 */
import { randomUUID } from "node:crypto";
import {
  getRpcServer,
  getRpcTransport,
  RpcClient,
  type DriverOptions,
  type RpcServer,
  type Target,
  type Transport,
} from "../../src/index.js";
import { InProcessMatchmaker, NodeClock } from "../../src/internal.js";

/** oslo TestServerEndpoint: ival/sval state with add, subtract, append and a controllable slow task. */
export class TestServerEndpoint {
  ival = 0;
  sval = "";
  received: string[] = [];
  private latches: (() => void)[] = [];

  add(_ctx: unknown, args: { increment: number }): number {
    this.received.push(`add:${args.increment}`);
    this.ival += args.increment;
    return this.ival;
  }

  subtract(_ctx: unknown, args: { increment: number }): number {
    if (this.ival < args.increment) throw new RangeError("ival can't go negative!");
    this.ival -= args.increment;
    return this.ival;
  }

  append(_ctx: unknown, args: { text: string }): string {
    this.received.push(`append:${args.text}`);
    this.sval += args.text;
    return this.sval;
  }

  /** Completes only when the test calls release(): a slow call without a sleep. */
  longRunningTask(): Promise<string> {
    return new Promise((resolve) => this.latches.push(() => resolve("done")));
  }

  ping(): string {
    return "pong";
  }

  release(): void {
    for (const l of this.latches.splice(0)) l();
  }

  /** longRunningTask calls started and not released yet. */
  get running(): number {
    return this.latches.length;
  }
}

/** Polls `cond` every 5 ms; fails the test with `what` after `limitMs` (never spins forever). */
export async function waitFor(cond: () => boolean, limitMs: number, what: string): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Group {
  transport: Transport;
  topic: string;
  exchange: string | undefined;
  names: string[];
  endpoints: TestServerEndpoint[];
  servers: RpcServer[];
  client(opts?: { server?: number; fanout?: boolean; timeoutMs?: number }): RpcClient;
  /** Calls ping on every server; returns when each has processed everything sent before. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function newTransport(options: DriverOptions = {}): Promise<Transport> {
  return getRpcTransport("zmq://", { matchmaker: new InProcessMatchmaker(new NodeClock()), ...options });
}

export async function startGroup(
  transport: Transport,
  opts: { count?: number; exchange?: string; topic?: string; maxConcurrency?: number } = {},
): Promise<Group> {
  const topic = opts.topic ?? `topic-${randomUUID()}`;
  const count = opts.count ?? 3;
  const names = Array.from({ length: count }, (_, i) => `server_${i}_${randomUUID().slice(0, 8)}`);
  const endpoints = names.map(() => new TestServerEndpoint());
  const servers = names.map((server, i) => {
    const target: Target = { topic, server, ...(opts.exchange ? { exchange: opts.exchange } : {}) };
    return getRpcServer(transport, target, [endpoints[i]!], { maxConcurrency: opts.maxConcurrency ?? 64 });
  });
  await Promise.all(servers.map((s) => s.start()));
  const base: Target = { topic, ...(opts.exchange ? { exchange: opts.exchange } : {}) };
  const group: Group = {
    transport,
    topic,
    exchange: opts.exchange,
    names,
    endpoints,
    servers,
    client(o = {}) {
      const target: Target = {
        ...base,
        ...(o.server !== undefined ? { server: names[o.server]! } : {}),
        ...(o.fanout ? { fanout: true } : {}),
      };
      return new RpcClient(transport, target, { timeoutMs: o.timeoutMs ?? 5000 });
    },
    async sync() {
      await Promise.all(names.map((_, i) => group.client({ server: i }).call({}, "ping")));
    },
    async close() {
      for (const e of endpoints) e.release();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  return group;
}

/**
 * oslo IsValidDistributionOf: every item of `original` lands in exactly one part, and each
 * part keeps the original relative order.
 */
export function isValidDistributionOf(original: string[], parts: string[][]): boolean {
  const all = parts.flat();
  if (all.length !== original.length || [...all].sort().join() !== [...original].sort().join()) return false;
  return parts.every((p) => {
    let i = 0;
    for (const item of p) {
      i = original.indexOf(item, i);
      if (i < 0) return false;
      i++;
    }
    return true;
  });
}
