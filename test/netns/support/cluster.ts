/**
 * A cluster on a NetnsNetwork, each part in its own namespace: a redis-server (node
 * "redis"), servers s0..s<n-1> (test/redis/support/server-process.ts, bound to their node's
 * address and serving the given topics under the names server_0...), and client processes
 * c0... (client-process.ts). `teardown()` removes all of it; the network's own cleanup
 * still catches what a failing test leaves.
 */
import { fileURLToPath } from "node:url";
import type { DriverOptions } from "../../../src/index.js";
import type { ServerReport } from "../../redis/support/children.js";
import type { CallOutcome } from "./client-process.js";
import { NetnsNetwork, type NetNode } from "./network.js";
import { NsProcess, type Event } from "./ns-process.js";
import { RedisNode } from "./redis-node.js";
import type { ConnectionRecord, SendRecord } from "./send-recorder.js";

const SERVER_SCRIPT = fileURLToPath(new URL("../../redis/support/server-process.ts", import.meta.url));
const CLIENT_SCRIPT = fileURLToPath(new URL("./client-process.ts", import.meta.url));
const RELAY_SCRIPT = fileURLToPath(new URL("./delay-relay.ts", import.meta.url));

export interface ClusterSpec {
  servers: number;
  /** Topics every server serves (one RpcServer each, same server name). */
  topics: string[];
  serverOptions?: DriverOptions;
  /** One client process per entry, with these transport options. */
  clients: DriverOptions[];
  /**
   * Servers (by name) reached only through a delay relay in their namespace (delay-relay.ts):
   * they bind 127.0.0.1 and advertise their node's address, where the relay listens on the
   * same port. For added latency where the kernel has no netem (added-delay.ts).
   */
  relayed?: string[];
}

export interface ServerNode {
  readonly name: string;
  readonly node: NetNode;
  readonly proc: NsProcess;
  /** Per topic, the host the server registered (tcp://<node address>:<port>). */
  hosts: Record<string, string>;
  /** Its delay relay, when the spec asked for one (one relay per topic's port; this is the first topic's). */
  relay?: NsProcess;
}

/** A client's call load (client-process.ts): open with `everyMs`, else `workers` closed loops `gapMs` apart. */
export interface LoadOptions {
  idempotent?: boolean;
  timeoutMs?: number;
  everyMs?: number;
  workers?: number;
  gapMs?: number;
}

export class ClientNode {
  constructor(
    readonly node: NetNode,
    readonly proc: NsProcess,
  ) {}

  private async ask(command: Record<string, unknown>, timeoutMs?: number): Promise<Event> {
    const r = await this.proc.request(command, timeoutMs);
    if (!r.ok) throw new Error(`${this.proc.label} ${String(command.cmd)}: ${JSON.stringify(r.error)}`);
    return r;
  }

  async startLoad(load: string, topic: string, o: LoadOptions = {}): Promise<void> {
    await this.ask({ cmd: "load", load, topic, ...o });
  }

  async stopLoad(load: string): Promise<CallOutcome[]> {
    return (await this.ask({ cmd: "stop", load }, 120_000)).outcomes as CallOutcome[];
  }

  /** How many calls of `load` started at or after `sinceMs` `server` has answered so far. */
  async answered(load: string, server: string, sinceMs: number): Promise<number> {
    return (await this.ask({ cmd: "answered", load, server, since: sinceMs })).count as number;
  }

  async call<T>(
    topic: string,
    method: string,
    o: { server?: string; args?: unknown; timeoutMs?: number } = {},
  ): Promise<T> {
    return (await this.ask({ cmd: "call", topic, method, ...o })).value as T;
  }

  async report(topic: string, server: string): Promise<ServerReport> {
    return this.call<ServerReport>(topic, "report", { server });
  }

  async sends(from = 0): Promise<{ sends: SendRecord[]; next: number; connections: ConnectionRecord[] }> {
    const r = await this.ask({ cmd: "sends", from });
    return { sends: r.sends as SendRecord[], next: r.next as number, connections: r.connections as ConnectionRecord[] };
  }

  /** What Redis lists for the topic right now (asks Redis, not the client's cache). */
  async hosts(topic: string): Promise<string[]> {
    return (await this.ask({ cmd: "hosts", topic })).hosts as string[];
  }

  async stats(): Promise<Record<string, number>> {
    return (await this.ask({ cmd: "stats" })).stats as Record<string, number>;
  }
}

export class Cluster {
  readonly servers: ServerNode[] = [];
  readonly clients: ClientNode[] = [];

  private constructor(
    readonly net: NetnsNetwork,
    readonly redis: RedisNode,
  ) {}

  /** Builds the network and starts Redis, then the servers, then the clients; resolves once all are ready. */
  static async start(spec: ClusterSpec): Promise<Cluster> {
    const net = NetnsNetwork.create();
    const cluster = new Cluster(net, new RedisNode(net.addNode("redis")));
    try {
      await cluster.redis.start();
      const url = cluster.redis.url;
      for (let i = 0; i < spec.servers; i++) {
        const node = net.addNode(`s${i}`);
        const relayed = spec.relayed?.includes(`server_${i}`) ?? false;
        const options = relayed
          ? { ...spec.serverOptions, bindAddress: "127.0.0.1", advertiseHost: node.address }
          : { ...spec.serverOptions, bindAddress: node.address };
        const args = [url, spec.topics.join(","), `server_${i}`, JSON.stringify(options)];
        const proc = new NsProcess(`server_${i}`, node.ns, SERVER_SCRIPT, args);
        cluster.servers.push({ name: `server_${i}`, node, proc, hosts: {} });
      }
      for (const [i, options] of spec.clients.entries()) {
        const node = net.addNode(`c${i}`);
        const proc = new NsProcess(`c${i}`, node.ns, CLIENT_SCRIPT, [url, `c${i}`, JSON.stringify(options)]);
        cluster.clients.push(new ClientNode(node, proc));
      }
      for (const s of cluster.servers) s.hosts = (await s.proc.next("ready")).hosts as Record<string, string>;
      for (const s of cluster.servers.filter((x) => spec.relayed?.includes(x.name))) {
        if (spec.topics.length !== 1) throw new Error("a relayed server serves one topic");
        const port = new URL(s.hosts[spec.topics[0]!]!).port;
        s.relay = new NsProcess(`relay-${s.name}`, s.node.ns, RELAY_SCRIPT, [s.node.address, port, "127.0.0.1", port]);
        await s.relay.next("ready");
      }
      for (const c of cluster.clients) await c.proc.next("ready");
    } catch (err) {
      net.teardown();
      throw err;
    }
    return cluster;
  }

  server(name: string): ServerNode {
    const s = this.servers.find((x) => x.name === name);
    if (!s) throw new Error(`no server ${name}`);
    return s;
  }

  teardown(): void {
    this.net.teardown();
  }
}
