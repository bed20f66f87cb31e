/**
 * Runs the matchmaker's commands on the ioredis command connection and turns every way
 * they can fail into MatchmakerUnavailable (with the Redis error as cause). It also tracks
 * the connection state the lookup policy needs:
 *
 * | state         | status                               | a command            |
 * |---------------|--------------------------------------|----------------------|
 * | first connect | wait/connecting/connect, never ready | waits for ready up to firstConnectWaitMs |
 * | ready         | ready, last command succeeded        | runs                 |
 * | failing       | ready, last command failed (hung)    | runs (commandTimeoutMs bounds it) |
 * | down          | reconnecting/close/end after ready   | fails at once        |
 * | closed        | close() called                       | fails at once        |
 *
 * `reachable` is true in "ready" only. `onReadyAgain` fires when the connection becomes
 * ready after having been ready (the matchmaker then replays its registrations).
 * Every MatchmakerUnavailable it makes carries the error's meaning (connect-errors.ts) as
 * `reason` and its cause scrubbed of secrets.
 */
import type { EventEmitter } from "node:events";
import { MatchmakerUnavailable } from "../../errors.js";
import type { Clock, TimerId } from "../../ports/clock.js";
import { errorMeaning, type ErrorMeaning } from "./connect-errors.js";
import type { RedisConnections } from "./connection.js";

export class CommandRunner {
  private everReady: boolean;
  private failing = false;
  private lastError: Error | undefined;
  private closed = false;
  /** Pending waits for the first connection; close() ends them with false. */
  private readonly waits = new Set<(ok: boolean) => void>();
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly conn: EventEmitter & { status: string },
    private readonly info: Pick<RedisConnections, "describe" | "tls" | "scrub">,
    private readonly clock: Clock,
    private readonly firstConnectWaitMs: number,
    private readonly onFailure: () => void,
    onReadyAgain: () => void,
  ) {
    this.everReady = conn.status === "ready";
    const onError = (e: Error): void => {
      this.lastError = e;
    };
    const onReady = (): void => {
      const again = this.everReady;
      this.everReady = true;
      this.failing = false;
      if (again) onReadyAgain();
    };
    conn.on("error", onError);
    conn.on("ready", onReady);
    this.detach.push(
      () => conn.off("error", onError),
      () => conn.off("ready", onReady),
    );
  }

  /** Redis answered the last command and the connection is up. */
  get reachable(): boolean {
    return this.conn.status === "ready" && !this.failing && !this.closed;
  }

  /** What the last error of the connection or of a command means (undefined: none yet). */
  get lastFailure(): ErrorMeaning | undefined {
    return errorMeaning(this.lastError, this.info.tls, !this.everReady);
  }

  /** Resolves true when the connection is ready, false after `ms` or when it goes down; never rejects. */
  async ready(ms = this.firstConnectWaitMs): Promise<boolean> {
    return this.conn.status === "ready" || (await this.waitReady(ms));
  }

  /** Runs one command; any failure becomes MatchmakerUnavailable. */
  async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.closed) throw this.unavailable("is closed");
    if (this.conn.status !== "ready" && !(await this.waitForFirstConnect())) {
      this.onFailure();
      const failure = this.lastFailure;
      const why = failure ? `; last error: ${failure.text}` : "";
      throw this.unavailable(`is not connected (status ${this.conn.status}${why}); ${what} not done`, this.lastError);
    }
    try {
      const r = await op();
      this.failing = false;
      return r;
    } catch (err) {
      this.onFailure();
      this.failing = true;
      this.lastError = this.info.scrub(err as Error);
      const meaning = errorMeaning(err, this.info.tls);
      throw this.unavailable(`: ${what} failed: ${meaning?.text ?? String(err)}`, err);
    }
  }

  /** The error that ends a failed startup: `what`, with the last connection error as cause. */
  failedStart(what: string): MatchmakerUnavailable {
    return this.unavailable(what, this.lastError);
  }

  /** A MatchmakerUnavailable naming this Redis; `reason` from what `cause` means. */
  unavailable(what: string, cause?: unknown): MatchmakerUnavailable {
    const reason = errorMeaning(cause, this.info.tls, !this.everReady)?.reason;
    return new MatchmakerUnavailable(
      `Redis matchmaker (${this.info.describe})${what.startsWith(":") ? "" : " "}${what}`,
      {
        ...(cause === undefined ? {} : { cause: this.info.scrub(cause) }),
        ...(reason === undefined ? {} : { reason }),
      },
    );
  }

  close(): void {
    this.closed = true;
    for (const d of this.detach.splice(0)) d();
    for (const done of [...this.waits]) done(false);
  }

  /** Only the very first connection attempt is waited for; later outages fail at once. */
  private waitForFirstConnect(): Promise<boolean> {
    const s = this.conn.status;
    if (this.everReady || this.closed || !(s === "wait" || s === "connecting" || s === "connect"))
      return Promise.resolve(false);
    return this.waitReady(this.firstConnectWaitMs);
  }

  private waitReady(ms: number): Promise<boolean> {
    const { conn } = this;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        this.clock.clearTimer(timer);
        this.waits.delete(done);
        conn.off("ready", onReady);
        conn.off("reconnecting", onDown);
        conn.off("end", onDown);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const onDown = (): void => done(false);
      const timer: TimerId = this.clock.setTimer(ms, () => done(conn.status === "ready"));
      this.waits.add(done);
      conn.on("ready", onReady);
      conn.on("reconnecting", onDown);
      conn.on("end", onDown);
    });
  }
}
