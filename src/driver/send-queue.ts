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

  constructor(
    private readonly socket: Pick<PortSocket, "send">,
    private readonly clock: Clock,
    private readonly maxQueued: number,
  ) {}

  enqueue(frames: readonly Buffer[], deadlineMs = Infinity): Promise<void> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "send queue is closed"));
    if (this.items.length >= this.maxQueued) {
      return Promise.reject(new PortError("EAGAIN", `send queue full (${this.maxQueued} messages)`));
    }
    return new Promise<void>((resolve, reject) => {
      this.items.push({ frames, deadlineMs, resolve, reject });
      if (!this.sending) void this.pump();
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
    for (const it of this.items.splice(0)) it.reject(new PortError("ECLOSED", "send queue is closed"));
    if (!this.sending) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async pump(): Promise<void> {
    this.sending = true;
    while (this.items.length > 0) {
      const it = this.items.shift()!;
      if (this.clock.nowMs() >= it.deadlineMs) {
        it.reject(new PortError("EAGAIN", "deadline passed before the message could be sent"));
        continue;
      }
      try {
        await this.socket.send(it.frames);
        it.resolve();
      } catch (err) {
        it.reject(err instanceof PortError ? err : new PortError("EOTHER", String(err), { cause: err }));
      }
    }
    this.sending = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
