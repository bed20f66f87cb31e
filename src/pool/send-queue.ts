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
 * - Coalescing (decision 0027), when configured: batchable messages leave together, in
 *   FIFO order, as one batch envelope (core/batch-frames.ts) of at most `maxMessages`
 *   messages and `maxBytes` bytes, all for the same peer, each settling with the batch's
 *   send: those waiting behind a send when it ends, and on an idle socket those queued in
 *   the same turn of the event loop: a batchable message on an idle queue leaves in a
 *   microtask, not at once, so that the calls a batch of replies wakes (each resumed in
 *   the same turn) leave in one batch too. No timer: a lone message waits one microtask.
 *   Sending the first message at once split every burst in two (the first alone, the rest
 *   behind it), and in a closed loop those halves never met again: at 64 calls in flight
 *   the driver ran at 0.77× raw zeromq.js with it, 2.55× with the microtask (npm run bench,
 *   call-64, same machine; one at a time unchanged within noise).
 *
 * Cost: a message sent on an idle queue (the common case) costs one promise on top of the
 * socket's own: it goes to the socket at once, without an Item or a pump loop.
 */
import { batchBytes, joinBatch, sameHead, type Head } from "../core/batch-frames.js";
import type { OutFrame } from "../core/out-frames.js";
import { PortError, type PortSocket } from "../ports/socket.js";
import type { Clock } from "../ports/clock.js";

/** How a queue coalesces; undefined: never (one message per send). */
export interface Coalescing {
  /** The routing frames before the delimiter: 0 for a DEALER's messages, 1 (the peer id) for a ROUTER's. */
  head: Head;
  /** The most messages one batch carries (>= 2). */
  maxMessages: number;
  /** The most type, id and payload bytes one batch carries; a message over it leaves alone. */
  maxBytes: number;
  /** Hears each batch sent, with the number of messages it carried (counters). */
  onBatch?: (messages: number) => void;
}

interface Item {
  frames: readonly OutFrame[];
  deadlineMs: number;
  /** May leave in a batch (the peer reads them); 0 when not, else its bytes in a batch. */
  batchBytes: number;
  resolve: () => void;
  reject: (e: PortError) => void;
}

export class SendQueue {
  /**
   * Waiting messages from `head` on. Taken by moving `head`, not by Array.shift, which
   * moves every element: about 9 % of a client's CPU with 30,000 queued (measured with
   * bench/pending-memory.ts); compacted once half of the array is taken.
   */
  private items: (Item | undefined)[] = [];
  private head = 0;
  private sending = false;
  /** A flush is due in a microtask: what this turn of the event loop queues on an idle socket leaves together. */
  private flushPending = false;
  private readonly flush = (): void => {
    this.flushPending = false;
    if (!this.sending) this.next();
  };
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
    private readonly coalescing?: Coalescing,
  ) {}

  /**
   * Queues `frames` for the socket. `batchable`: it may leave in a batch envelope (with
   * coalescing configured; a ROUTER's reply to a peer that sent a batch, say). Defaults to
   * whether the queue coalesces at all.
   */
  enqueue(
    frames: readonly OutFrame[],
    deadlineMs = Infinity,
    batchable = this.coalescing !== undefined,
  ): Promise<void> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "send queue is closed"));
    if (!this.sending && this.queued === 0 && !(batchable && this.coalescing !== undefined)) {
      // Idle, nothing waiting, and it cannot join a batch: to the socket at once.
      if (this.clock.nowMs() >= deadlineMs) return Promise.reject(deadlinePassed());
      return this.start(frames);
    }
    return new Promise<void>((resolve, reject) => this.enqueueThen(frames, deadlineMs, batchable, resolve, reject));
  }

  /**
   * enqueue with callbacks instead of a promise: `sent` or `failed` is called once, never
   * before enqueueThen returns (a refusal comes in a microtask). A message that leaves in
   * a batch has its callback called with the batch's send, in the batch's order.
   */
  enqueueThen(
    frames: readonly OutFrame[],
    deadlineMs: number,
    batchable: boolean,
    sent: () => void,
    failed: (e: PortError) => void,
  ): void {
    const refusal = this.refusal(batchable, deadlineMs);
    if (refusal !== undefined) {
      refuseLater(failed, refusal);
      return;
    }
    const joins = batchable && this.coalescing !== undefined;
    if (!this.sending && this.queued === 0 && !joins) {
      this.start(frames).then(sent, failed);
      return;
    }
    const bytes = joins ? batchBytes(frames, this.coalescing!.head) : 0;
    this.items.push({ frames, deadlineMs, batchBytes: bytes, resolve: sent, reject: failed });
    if (!this.sending && !this.flushPending) {
      this.flushPending = true;
      queueMicrotask(this.flush);
    }
  }

  /** Why a message is refused before it is queued (closed, its deadline passed on an idle queue, full), or undefined. */
  private refusal(batchable: boolean, deadlineMs: number): PortError | undefined {
    if (this.closed) return new PortError("ECLOSED", "send queue is closed");
    const idle = !this.sending && this.queued === 0 && !(batchable && this.coalescing !== undefined);
    if (idle) return this.clock.nowMs() >= deadlineMs ? deadlinePassed() : undefined;
    if (this.queued >= this.maxQueued) return new PortError("EAGAIN", `send queue full (${this.maxQueued} messages)`);
    return undefined;
  }

  /** Whether this queue joins messages into batches (enqueue's default for `batchable`). */
  get coalesces(): boolean {
    return this.coalescing !== undefined;
  }

  /** Resolves when nothing is queued or being sent. */
  whenIdle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise<void>((r) => this.idleWaiters.push(r));
  }

  get depth(): number {
    return this.queued + (this.sending ? 1 : 0);
  }

  close(): void {
    this.closed = true;
    const dropped = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    for (const it of dropped as Item[]) {
      const e = new PortError("ECLOSED", "send queue is closed");
      // In a microtask: the pool closes a queue from inside its caller's work (the delivery
      // core's effects among it), which a failure callback must not re-enter.
      refuseLater(it.reject, this.explain ? this.explain(e) : e);
    }
    if (!this.sending) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Hands `frames` to the socket (text frames encoded); settles as the socket's send does, once the outcome is noted. */
  private start(frames: readonly OutFrame[]): Promise<void> {
    this.sending = true;
    let p: Promise<void>;
    try {
      p = this.socket.send(frames); // text frames too: the socket encodes them (ports/socket.ts)
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(this.sent, this.failed);
  }

  private get queued(): number {
    return this.items.length - this.head;
  }

  /** Whether `n` more messages would all be queued now (none refused as over `maxQueued`); a closed queue has none. */
  hasRoomFor(n: number): boolean {
    return !this.closed && this.queued + n <= this.maxQueued;
  }

  /** The first waiting message, taken off the queue. */
  private take(): Item {
    const it = this.items[this.head]!;
    this.items[this.head++] = undefined; // taken: let it go
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    return it;
  }

  /** The send in flight settled: start the next queued message whose deadline has not passed. */
  private next(): void {
    this.sending = false;
    while (this.queued > 0) {
      const it = this.take();
      if (this.clock.nowMs() >= it.deadlineMs) {
        refuseLater(it.reject, deadlinePassed()); // not inside this loop: a callback may enqueue
        continue;
      }
      const group = this.coalescing && it.batchBytes > 0 ? this.batchAfter(it, this.coalescing) : undefined;
      if (group === undefined) this.start(it.frames).then(it.resolve, it.reject);
      else {
        this.coalescing!.onBatch?.(group.length);
        let bytes = 0;
        for (const g of group) bytes += g.batchBytes;
        this.start(joinBatch(group.map(frames), this.coalescing!.head, bytes)).then(
          () => {
            for (const g of group) g.resolve();
          },
          (e: PortError) => {
            for (const g of group) g.reject(e);
          },
        );
      }
      return;
    }
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * `first` and the batchable messages right behind it for the same peer, within the
   * limits; undefined when none can join it. Messages whose deadline passed are refused
   * on the way, as they would be at their turn.
   */
  private batchAfter(first: Item, c: Coalescing): Item[] | undefined {
    if (first.batchBytes > c.maxBytes) return undefined;
    let group: Item[] | undefined;
    let bytes = first.batchBytes;
    const nowMs = this.clock.nowMs();
    while (this.queued > 0 && (group?.length ?? 1) < c.maxMessages) {
      const n = this.items[this.head]!;
      if (n.batchBytes === 0 || bytes + n.batchBytes > c.maxBytes || !sameHead(first.frames, n.frames, c.head)) break;
      this.take();
      if (nowMs >= n.deadlineMs) {
        refuseLater(n.reject, deadlinePassed());
        continue;
      }
      group ??= [first];
      group.push(n);
      bytes += n.batchBytes;
    }
    return group;
  }
}

const frames = (it: Item): readonly OutFrame[] => it.frames;

/** Calls `failed` with `e` in a microtask: a refusal never comes before the call that queued the message returns. */
export function refuseLater(failed: (e: PortError) => void, e: PortError): void {
  queueMicrotask(() => failed(e));
}

function deadlinePassed(): PortError {
  return new PortError("EAGAIN", "deadline passed before the message could be sent");
}

/**
 * The coalescing `options` ask for, for messages with `head` routing frames; undefined
 * when they turn it off. A batch is one frame, so it stays within maxFrameBytes (with the
 * same limit on both sides, a batch never makes the peer drop the connection).
 */
export function coalescingOf(
  options: { coalesceMaxMessages: number; coalesceMaxBytes: number; maxFrameBytes?: number | null },
  head: Head,
): Coalescing | undefined {
  const frameCap = options.maxFrameBytes ?? Number.POSITIVE_INFINITY;
  return options.coalesceMaxMessages < 2
    ? undefined
    : { head, maxMessages: options.coalesceMaxMessages, maxBytes: Math.min(options.coalesceMaxBytes, frameCap) };
}
