/**
 * The systems of a run, each started once on first use and closed at the end. A peer that
 * cannot run here (its server binary missing, a start that failed) is skipped with the
 * reason, printed and kept in the report's `meta.skipped`: the scenarios go on without it.
 */
import type { BenchSystem, SystemName } from "../types.js";
import { startDriverCurve, startDriverViaProxy } from "./driver-variants.js";
import { startDriver } from "./driver.js";
import { startGrpc } from "./grpc.js";
import { natsSkipReason, startNats } from "./nats.js";
import { startRabbit } from "./rabbitmq.js";
import { rabbitSkipReason } from "./rabbitmq-server.js";
import { startRawZmq } from "./raw-zmq.js";

interface Starter {
  start(): Promise<BenchSystem>;
  /** Why the system cannot run on this machine, checked before trying. */
  skipReason?(): string | undefined;
}

const STARTERS: Record<SystemName, Starter> = {
  driver: { start: startDriver },
  "raw-zmq": { start: () => startRawZmq(false) },
  nats: { start: () => startNats(false), skipReason: natsSkipReason },
  "nats-json": { start: () => startNats(true), skipReason: natsSkipReason },
  rabbitmq: { start: startRabbit, skipReason: rabbitSkipReason },
  grpc: { start: startGrpc },
  "driver-proxy": { start: startDriverViaProxy },
  "driver-curve": { start: startDriverCurve },
  "raw-zmq-curve": { start: () => startRawZmq(true) },
};

export class SystemRegistry {
  private readonly started = new Map<SystemName, Promise<BenchSystem | undefined>>();
  readonly skipped: { system: string; reason: string }[] = [];

  /** `allowed`: the systems the command line lets run; `note` prints a line for the reader (stderr). */
  constructor(
    private readonly allowed: ReadonlySet<SystemName>,
    private readonly note: (line: string) => void,
  ) {}

  /** The system, started on first use; undefined when it is not allowed or could not start. */
  get(name: SystemName): Promise<BenchSystem | undefined> {
    if (!this.allowed.has(name)) return Promise.resolve(undefined);
    let s = this.started.get(name);
    if (s === undefined) {
      s = this.start(name);
      this.started.set(name, s);
    }
    return s;
  }

  private async start(name: SystemName): Promise<BenchSystem | undefined> {
    const starter = STARTERS[name];
    const reason = starter.skipReason?.();
    if (reason !== undefined) return this.skip(name, reason);
    const t0 = performance.now();
    try {
      const sys = await starter.start();
      this.note(`${name}: ready in ${Math.round(performance.now() - t0)} ms`);
      return sys;
    } catch (err) {
      return this.skip(name, (err as Error).message.split("\n")[0]!);
    }
  }

  private skip(name: SystemName, reason: string): undefined {
    this.skipped.push({ system: name, reason });
    this.note(`${name}: skipped: ${reason}`);
    return undefined;
  }

  /** Closes every system started, in the reverse order; errors are noted, not thrown. */
  async closeAll(): Promise<void> {
    for (const [name, s] of [...this.started].reverse()) {
      const sys = await s;
      await sys?.close().catch((err: unknown) => this.note(`${name}: close failed: ${String(err)}`));
    }
  }
}
