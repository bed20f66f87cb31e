/**
 * A process's view of the shared matchmaker (one InProcessMatchmaker per simulated
 * cluster, on the "Redis server" clock, which does not drift). The view:
 *
 * - answers through the process gate after `latencyMs` (a Redis round trip), so a paused
 *   process gets its answers late and a crashed one never (its promises stay pending);
 * - records every successful register/unregister in the DiscoveryLog (ground truth for
 *   the checkers: when it took effect, and for a register also when it was sent) and
 *   every operation in the trace;
 * - forwards the shared matchmaker's change notifications (a host appeared or went away;
 *   refreshes notify nobody) through the gate, and unsubscribes only its own watchers on
 *   close (the shared matchmaker outlives every process).
 *
 * A Redis outage is `setAvailable(false)` on the shared matchmaker: every operation then
 * rejects with MatchmakerUnavailable, as the real Redis matchmaker does.
 */
import type { InProcessMatchmaker } from "../../src/matchmaker/in-process.js";
import type { Matchmaker } from "../../src/ports/matchmaker.js";
import type { DiscoveryLog } from "../history/discovery-log.js";
import type { HostProcess } from "../host-process.js";
import type { Scheduler } from "../scheduler.js";
import type { Trace } from "../trace.js";

const OP = { register: 1, unregister: 2, getHosts: 3 } as const;
const NEVER = new Promise<never>(() => undefined);

export class SimMatchmakerView implements Matchmaker {
  private readonly unwatchers = new Set<() => void>();

  constructor(
    private readonly shared: InProcessMatchmaker,
    private readonly proc: HostProcess,
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    private readonly log: DiscoveryLog,
    private readonly latencyUs: number,
  ) {}

  register(key: string, host: string, ttlMs: number | null): Promise<void> {
    const sentUs = this.scheduler.nowUs;
    return this.op(
      OP.register,
      () => this.shared.register(key, host, ttlMs),
      () => this.log.registered(key, host, this.scheduler.nowUs, ttlMs, sentUs),
    );
  }

  unregister(key: string, host: string): Promise<void> {
    return this.op(
      OP.unregister,
      () => this.shared.unregister(key, host),
      () => this.log.unregistered(key, host, this.scheduler.nowUs),
    );
  }

  getHosts(key: string): Promise<string[]> {
    return this.op(
      OP.getHosts,
      () => this.shared.getHosts(key),
      () => undefined,
    );
  }

  /**
   * The send path's synchronous lookup: only without a simulated round trip (latency 0),
   * from a live process, while the shared matchmaker is available; traced like getHosts.
   * Otherwise undefined, and the driver goes through getHosts.
   */
  peekHosts(key: string): readonly string[] | undefined {
    if (this.latencyUs > 0 || this.proc.dead) return undefined;
    const hosts = this.shared.peekHosts(key);
    if (hosts !== undefined) this.trace.record("mm", this.proc.host, OP.getHosts, 1);
    return hosts;
  }

  watch(listener: (key: string) => void): () => void {
    const off = this.shared.watch((key) => this.proc.enterWith(listener, key));
    const unwatch = (): void => {
      off();
      this.unwatchers.delete(unwatch);
    };
    this.unwatchers.add(unwatch);
    return unwatch;
  }

  close(): Promise<void> {
    this.detach();
    return Promise.resolve();
  }

  /** Crash: the process stops listening (its watchers would otherwise keep firing into a dead gate). */
  detach(): void {
    for (const u of [...this.unwatchers]) u();
  }

  /**
   * Runs the operation on the server side when the request arrives (after half the
   * latency), records it if it succeeded, and hands the result to the process after the
   * other half.
   */
  private op<T>(code: number, run: () => Promise<T>, record: () => void): Promise<T> {
    if (this.proc.dead) return NEVER;
    if (this.latencyUs <= 0) {
      // No round trip: the answer comes back in the same chain of microtasks, while the
      // process is running (it called us), so there is nothing to gate.
      return run().then(
        (v) => {
          record();
          this.trace.record("mm", this.proc.host, code, 1);
          return v;
        },
        (e: unknown) => {
          this.trace.record("mm", this.proc.host, code, 0);
          throw e;
        },
      );
    }
    return new Promise<T>((resolve, reject) => {
      const execute = (): void => {
        let result: Promise<T>;
        try {
          result = run();
        } catch (err) {
          result = Promise.reject(err);
        }
        result.then(
          (v) => {
            record();
            this.trace.record("mm", this.proc.host, code, 1);
            this.answer(() => resolve(v));
          },
          (e: unknown) => {
            this.trace.record("mm", this.proc.host, code, 0);
            this.answer(() => reject(e));
          },
        );
      };
      this.scheduler.after(Math.floor(this.latencyUs / 2), execute);
    });
  }

  private answer(fn: () => void): void {
    this.scheduler.after(Math.ceil(this.latencyUs / 2), () => this.proc.enter(fn));
  }
}
