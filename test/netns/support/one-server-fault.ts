/**
 * The scenario the single-server fault cases share: Redis, three servers and one client,
 * each in its own namespace; the client calls a topic throughout; one server
 * (server_1) is faulted for a span and then restored, and the run ends once Redis lists
 * that server again, it has answered a call again, and the client has called for a while
 * after. It returns the timeline, every call's outcome and every request's route, for the
 * case to assert on.
 *
 * Which fault (SIGSTOP, a cut link, added delay) and which driver options (acks,
 * heartbeats, balancing) are the case's to choose.
 */
import { randomUUID } from "node:crypto";
import type { DriverOptions } from "../../../src/index.js";
import { Cluster, type LoadOptions, type ServerNode } from "./cluster.js";
import { epochNow } from "./faults.js";
import { answeredBy, hold, until, type CallOutcome, type SendRecord } from "./outcomes.js";

export interface FaultScenario {
  serverOptions?: DriverOptions;
  clientOptions: DriverOptions;
  /** Servers reached through a delay relay (cluster.ts, added-delay.ts). */
  relayed?: string[];
  /** The client's call load. */
  load: LoadOptions;
  /** How long the load runs before the fault (every server must have answered by then). */
  warmUpMs: number;
  /** How long the fault lasts. */
  faultMs: number;
  /** Upper bound on the time from the restore until Redis lists the server again. */
  relistLimitMs: number;
  /** Upper bound on the time from the restore until the server answers a call again. @default 35000 */
  backLimitMs?: number;
  /** How long the load runs on after that. */
  afterMs: number;
  /** Applies the fault to the server; resolves with the time it took effect. */
  fault(cluster: Cluster, server: ServerNode): Promise<number>;
  /** Undoes it; resolves with the time. */
  restore(cluster: Cluster, server: ServerNode): Promise<number>;
}

export interface FaultRun {
  topic: string;
  /** The faulted server, and its host on the topic. */
  server: string;
  host: string;
  /**
   * Epoch ms: load start, fault, unlisted (Redis stopped listing the server; undefined if it
   * never did during the fault), restoring (the restore was started: the fault held in full
   * for whatever ended before it), restore (it had taken effect), relisted (Redis lists the server again), back (the
   * server answered a call started after the restore; undefined if not within backLimitMs),
   * end of load.
   */
  t: {
    start: number;
    fault: number;
    unlisted: number | undefined;
    restoring: number;
    restore: number;
    relisted: number;
    back: number | undefined;
    end: number;
  };
  outcomes: CallOutcome[];
  sends: SendRecord[];
  /** The client engine's counters at the end. */
  stats: Record<string, number>;
}

export async function runOneServerFault(s: FaultScenario): Promise<{ run: FaultRun; cluster: Cluster }> {
  const topic = `fault-${randomUUID().slice(0, 8)}`;
  const cluster = await Cluster.start({
    servers: 3,
    topics: [topic],
    serverOptions: s.serverOptions,
    clients: [s.clientOptions],
    relayed: s.relayed ?? [],
  });
  try {
    const client = cluster.clients[0]!;
    const victim = cluster.server("server_1");
    const host = victim.hosts[topic]!;
    const start = epochNow();
    await client.startLoad("f", topic, s.load);
    await hold(s.warmUpMs);
    const fault = await s.fault(cluster, victim);
    // While the fault lasts: when Redis stops listing the server (its registration expired), if it does.
    let unlisted: number | undefined;
    await until(async () => (await client.hosts(topic)).includes(host) === false, s.faultMs).then(
      (at) => (unlisted = at),
      () => undefined,
    );
    await hold(Math.max(0, fault + s.faultMs - epochNow()));
    const restoring = epochNow();
    const restore = await s.restore(cluster, victim);
    const relisted = await until(async () => (await client.hosts(topic)).includes(host), s.relistLimitMs);
    // When it answers a call again, if it does in time (the case asserts that it did).
    let back: number | undefined;
    await until(async () => (await client.answered("f", victim.name, restore)) > 0, s.backLimitMs ?? 35_000).then(
      (at) => (back = at),
      () => undefined,
    );
    await hold(s.afterMs);
    const end = epochNow();
    const outcomes = await client.stopLoad("f");
    const warm = answeredBy(outcomes.filter((o) => o.endMs < fault));
    if (Object.keys(warm).length !== 3) throw new Error(`warm-up reached ${JSON.stringify(warm)}, not all three`);
    const { sends } = await client.sends();
    const stats = await client.stats();
    return {
      run: {
        topic,
        server: victim.name,
        host,
        t: { start, fault, unlisted, restoring, restore, relisted, back, end },
        outcomes,
        sends,
        stats,
      },
      cluster,
    };
  } catch (err) {
    cluster.teardown();
    throw err;
  }
}

/** Milliseconds from `fromMs` to `toMs`, rounded, for diagnostics. */
export const msBetween = (fromMs: number, toMs: number): number => Math.round(toMs - fromMs);
