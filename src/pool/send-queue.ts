/**
 * Bounded send queue in front of one socket: zeromq.js allows one `send` in flight per
 * socket, so every send of the driver goes through one of these.
 *
 * - At most `maxQueued` messages wait behind the one in flight; beyond that `enqueue` rejects at once with
 *   PortError("EAGAIN") (back-pressure instead of unbounded memory).
 * - A message whose deadline has passed before its turn is not sent; it rejects with
 *   PortError("EAGAIN") so the caller can report the deadline miss.
 * - Sends happen strictly in enqueue order, one at a time (per-connection FIFO holds).
 * - After `close()` queued messages reject with PortError("ECLOSED").
 * - `onOutcome`, when given, hears every send the socket settled: true on success, false
 *   on a failure other than ECLOSED (closing is not a failure). Refusals before the
 *   socket (queue full, deadline passed) are not outcomes.
 * - `explain`, when given, may replace the error of a send the socket failed, and of a
 *   message the close rejected (the pool names a failed security handshake there).
 *
 * Cost: a message sent on an idle queue (the common case) costs one promise on top of the
 * socket's own: it goes to the socket at once, without an Item or a pump loop.
 */
import { PortError, type PortSocket } from "../ports/socket.js";
import type { Clock } from "../ports/clock.js";

interface Item {
  frames: readonly Buffer[];
  deadlineMs: number;
  resolve: () => void;
  reject: (e: PortError) => void;
}

export class SendQueue {
  private readonly items: Item[] = [];
  private sending = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly sent = (): void => {
    this.onOutcome?.(true);
    this.next();
  };
  private readonly failed = (err: unknown): never => {
    const e = err instanceof PortError ? err : new PortError("EOTHER", String(err), { cause: err });
    if (e.code !== "ECLOSED") this.onOutcome?.(false);
    this.next();
    throw this.explain ? this.explain(e) : e;
  };

  constructor(
    private readonly socket: Pick<PortSocket, "send">,
    private readonly clock: Clock,
    private readonly maxQueued: number,
    private readonly onOutcome?: (ok: boolean) => void,
    private readonly explain?: (e: PortError) => PortError,
  ) {}

  enqueue(frames: readonly Buffer[], deadlineMs = Infinity): Promise<void> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "send queue is closed"));
    if (!this.sending) {
      // Nothing in flight, so nothing is queued either (a queued item starts as the one before it ends).
      if (this.clock.nowMs() >= deadlineMs) return Promise.reject(deadlinePassed());
      return this.start(frames);
    }
    if (this.items.length >= this.maxQueued) {
      return Promise.reject(new PortError("EAGAIN", `send queue full (${this.maxQueued} messages)`));
    }
    return new Promise<void>((resolve, reject) => {
      this.items.push({ frames, deadlineMs, resolve, reject });
    });
  }

  /** Resolves when nothing is queued or being sent. */
  whenIdle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise<void>((r) => this.idleWaiters.push(r));
  }

  get depth(): number {
    return this.items.length + (this.sending ? 1 : 0);
  }

  close(): void {
    this.closed = true;
    for (const it of this.items.splice(0)) {
      const e = new PortError("ECLOSED", "send queue is closed");
      it.reject(this.explain ? this.explain(e) : e);
    }
    if (!this.sending) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Hands `frames` to the socket; settles as the socket's send does, once the outcome is noted. */
  private start(frames: readonly Buffer[]): Promise<void> {
    this.sending = true;
    let p: Promise<void>;
    try {
      p = this.socket.send(frames);
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(this.sent, this.failed);
  }

  /** The send in flight settled: start the next queued message whose deadline has not passed. */
  private next(): void {
    this.sending = false;
    while (this.items.length > 0) {
      const it = this.items.shift()!;
      if (this.clock.nowMs() >= it.deadlineMs) {
        it.reject(deadlinePassed());
        continue;
      }
      this.start(it.frames).then(it.resolve, it.reject);
      return;
    }
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

function deadlinePassed(): PortError {
  return new PortError("EAGAIN", "deadline passed before the message could be sent");
}
