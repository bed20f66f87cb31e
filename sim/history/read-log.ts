/**
 * Which requests each server process read from its socket, in which order and when:
 * recorded by the simulated ROUTER itself (the socket port, not the driver) as it hands a
 * message to the driver's receive loop. The workload's context is `{"request": n, ...}`,
 * so the request index is the number after the payload's fixed prefix `[{"request":`; a
 * message without it (a reply, a frame set a test forged) is not recorded.
 *
 * The fanout checker uses it to tell a copy the network lost from one the server dropped
 * because its deadline had passed (sim/checkers/server-queues.ts).
 *
 * Cost: this runs for every request of every run, so the common case writes three slots
 * of typed arrays indexed by the request (its first read) and a counter held by the
 * process's own recorder; a request read by a second server (a fanout copy) appends a row
 * of typed arrays (columns.ts), indexed once when a checker asks. Per-server arrays pushed
 * on every read cost about 9 % of a 500-host run.
 */
import { isBatch, splitBatch } from "../../src/core/batch-frames.js";
import { Columns } from "./columns.js";
import { serverKey } from "./exec-log.js";

const PREFIX = Buffer.from('[{"request":');

/** The request index a request frame set carries, as a ROUTER reads it (6 frames) or a DEALER writes it (5), or -1. */
export function requestIndex(frames: readonly Buffer[]): number {
  const o = frames.length - 5;
  if (o !== 0 && o !== 1) return -1;
  const type = frames[o + 2]!;
  if (type.length !== 1 || type[0]! < 0x31 || type[0]! > 0x33) return -1; // CALL, CAST, CAST_FANOUT
  const p = frames[o + 4]!;
  if (p.length <= PREFIX.length) return -1;
  // A byte loop: for 12 bytes it beats Buffer.compare's call into C++.
  for (let k = 0; k < PREFIX.length; k++) if (p[k] !== PREFIX[k]) return -1;
  let n = 0;
  let i = PREFIX.length;
  for (; i < p.length; i++) {
    const c = p[i]!;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return i === PREFIX.length ? -1 : n;
}

/**
 * A MESSAGE a proxy-mode server link (a DEALER) reads, `["", "M", client, via, ...body]`
 * (spec/proxy.md), as the listener gets it, `[client, "", ...body]`: what a ROUTER would
 * have read in direct mode. Anything else a DEALER reads (a reply, a FROM): undefined.
 */
export function proxiedRead(frames: readonly Buffer[]): Buffer[] | undefined {
  if (frames.length < 5 || frames[0]!.length !== 0 || frames[1]!.length !== 1 || frames[1]![0] !== 0x4d)
    return undefined;
  return [frames[2]!, frames[0]!, ...frames.slice(4)];
}

/**
 * Calls `fn` with the request index of each request a message carries: the message
 * itself, or each message of a batch envelope (spec/codec.md, "Batches") as a ROUTER
 * reads it (4 frames) or a DEALER writes it (3).
 */
export function forEachRequest(frames: readonly Buffer[], fn: (n: number) => void): void {
  const head = frames.length === 4 ? 1 : 0;
  if ((frames.length === 3 || frames.length === 4) && isBatch(frames, head)) {
    const split = splitBatch(frames, head);
    if (split.ok)
      for (const m of split.messages) {
        const n = requestIndex(m);
        if (n >= 0) fn(n);
      }
    return;
  }
  const n = requestIndex(frames);
  if (n >= 0) fn(n);
}

/** One read: the position among the server process's reads, and the virtual time. */
export interface Read {
  readonly seq: number;
  readonly atUs: number;
}

export class ReadLog {
  /** First read of each request: the server process (serverKey), its read position there, the time. */
  readonly firstServer: Float64Array;
  readonly firstSeq: Float64Array;
  readonly firstUs: Float64Array;
  /** Reads of a request by further server processes (fanout copies): request, server, position, time. */
  private readonly moreRows = new Columns(4);
  private moreIndex: Map<number, { server: number; seq: number; atUs: number }[]> | undefined;
  /** Requests lost on the wire to a server process: written to its connection, discarded when that closed first ("n/key"). */
  private readonly lost = new Set<string>();

  constructor(
    capacity: number,
    private readonly nowUs: () => number,
  ) {
    this.firstServer = new Float64Array(capacity).fill(-1);
    this.firstSeq = new Float64Array(capacity);
    this.firstUs = new Float64Array(capacity);
  }

  /** The function that records one server process's reads (made once per process). */
  recorder(host: number, incarnation: number): (frames: readonly Buffer[]) => void {
    const key = serverKey(host, incarnation);
    let count = 0;
    return (frames) =>
      forEachRequest(frames, (n) => {
        if (n < this.firstServer.length) this.record(n, key, count++);
      });
  }

  /** A request on its way to server process `key` was discarded: its connection closed first (heartbeats). */
  lostOnWire(frames: readonly Buffer[], key: number): void {
    forEachRequest(frames, (n) => this.lost.add(`${n}/${key}`));
  }

  /** Whether request `n` was lost on the wire to server process `key` (it may have reached it on another connection). */
  wasLostOnWire(n: number, key: number): boolean {
    return this.lost.size > 0 && this.lost.has(`${n}/${key}`);
  }

  /** Whether any server process read request `n`. */
  wasRead(n: number): boolean {
    return n >= 0 && n < this.firstServer.length && this.firstServer[n]! >= 0;
  }

  /** The first read of request `n` by server process `key`, if it read it. */
  readAt(n: number, key: number): Read | undefined {
    if (n < 0 || n >= this.firstServer.length) return undefined;
    if (this.firstServer[n] === key) return { seq: this.firstSeq[n]!, atUs: this.firstUs[n]! };
    const r = this.more.get(n)?.find((x) => x.server === key);
    return r === undefined ? undefined : { seq: r.seq, atUs: r.atUs };
  }

  /** Reads of a request by further server processes, by request (built once after the run, for the checkers). */
  get more(): Map<number, { server: number; seq: number; atUs: number }[]> {
    if (this.moreIndex) return this.moreIndex;
    const m = new Map<number, { server: number; seq: number; atUs: number }[]>();
    const [n, server, seq, at] = [0, 1, 2, 3].map((c) => this.moreRows.column(c)) as Float64Array[];
    for (let i = 0; i < n!.length; i++) {
      let list = m.get(n![i]!);
      if (!list) {
        list = [];
        m.set(n![i]!, list);
      }
      if (!list.some((x) => x.server === server![i])) list.push({ server: server![i]!, seq: seq![i]!, atUs: at![i]! });
    }
    this.moreIndex = m;
    return m;
  }

  private record(n: number, key: number, seq: number): void {
    const first = this.firstServer[n]!;
    if (first < 0) {
      this.firstServer[n] = key;
      this.firstSeq[n] = seq;
      this.firstUs[n] = this.nowUs();
      return;
    }
    if (first === key) return; // a duplicate: the first read is the one that counts
    // Another server's copy (a fanout); a later duplicate of it is dropped when indexed.
    this.moreRows.push(n, key, seq, this.nowUs());
    this.moreIndex = undefined;
  }
}
