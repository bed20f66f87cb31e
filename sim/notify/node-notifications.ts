/**
 * The notification side of one simulated process (SimNode), present only when the run has
 * a notification workload: a notification listener on the host's notification topic and
 * pool (listenerLayout) when the host runs a server, and a Notifier per notification topic
 * for publishing. The endpoint records every call in the NotifyLog and asks for a
 * notification again with the workload's requeueRatio, drawn from the process's own
 * stream. This is the unmodified public API; nothing here reaches into the driver.
 */
import {
  getNotificationListener,
  Notifier,
  type Logger,
  type NotificationListener,
  type Transport,
} from "../../src/index.js";
import { transportInternals } from "../../src/api/transport.js";
import { sleepOn } from "../../src/ports/clock.js";
import type { SimContext } from "../context.js";
import { serverKey } from "../history/exec-log.js";
import type { HostProcess } from "../host-process.js";
import { Prng } from "../prng.js";
import type { NotifyLog } from "./notify-log.js";
import { listenerLayout, notifyTopicName, type NotifyWorkloadOptions } from "./notify-options.js";

const MAX_START_ATTEMPTS = 100;
const START_RETRY_MS = 200;
/** Drops, lost requeues and endpoint errors are judged by the checkers, not printed. */
const SILENT: Logger = { warn: () => undefined };

export class NodeNotifications {
  listener: NotificationListener | undefined;
  private readonly notifiers: (Notifier | undefined)[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly log: NotifyLog,
    private readonly o: NotifyWorkloadOptions,
    private readonly host: number,
    private readonly proc: HostProcess,
  ) {}

  /** Starts the listener of a server host; retried while the matchmaker refuses registrations. */
  async start(transport: Transport, serves: boolean): Promise<void> {
    if (!serves) return;
    const { topic, pool } = listenerLayout(this.host, this.o);
    const inc = this.proc.incarnation;
    const identity = pool ?? `:h${this.host}.${inc}`;
    const rng = Prng.derive(this.ctx.options.seed, `host/${this.host}/incarnation/${inc}/notify`);
    const endpoint = {
      info: (_ctx: unknown, _publisher: unknown, _type: unknown, payload: { n?: unknown }) => {
        const n = typeof payload?.n === "number" ? payload.n : -1;
        const requeue = rng.bernoulli(this.o.requeueRatio);
        this.log.called({
          n,
          pool: identity,
          host: this.host,
          incarnation: inc,
          topic,
          requeue,
          atUs: this.ctx.scheduler.nowUs,
        });
        this.ctx.trace.record("notifyRun", n, this.host, inc, requeue ? 1 : 0);
        return requeue ? "requeue" : undefined;
      },
    };
    for (let attempt = 1; ; attempt++) {
      this.listener = getNotificationListener(transport, [{ topic: notifyTopicName(topic) }], [endpoint], {
        ...(pool === undefined ? {} : { pool }),
        allowRequeue: true,
        maxRequeues: this.o.maxRequeues,
        maxConcurrency: this.ctx.options.cluster.maxConcurrency,
        logger: SILENT,
      });
      try {
        await this.listener.start();
        for (const address of this.listener.hosts)
          this.log.listeners.set(address, { key: serverKey(this.host, inc), pool: identity });
        return;
      } catch (err) {
        if (attempt >= MAX_START_ATTEMPTS) throw err;
        await sleepOn(this.proc.clock, START_RETRY_MS);
      }
    }
  }

  /** The notifier publishing to notification topic `topic`, made once. */
  notifier(transport: Transport, topic: number): Notifier {
    let n = this.notifiers[topic];
    if (!n) {
      n = new Notifier(transport, {
        publisherId: `h${this.host}`,
        topics: [notifyTopicName(topic)],
        timeoutMs: this.o.timeoutMs,
        logger: SILENT,
      });
      while (this.notifiers.length <= topic) this.notifiers.push(undefined);
      this.notifiers[topic] = n;
    }
    return n;
  }

  /**
   * Work not finished: notifications the listener read and has not handled (queued or
   * running), and requests the process's engine still has pending (requeues on their way
   * back to the pool, copies being published).
   */
  pending(transport: Transport | undefined): number {
    const engine = transport ? transportInternals(transport).engine.pendingCount : 0;
    const st = this.listener?.stats;
    if (!st) return engine;
    return engine + st.received - st.malformed - st.unsupported - st.refused - st.expired - st.duplicates - st.handled;
  }
}
