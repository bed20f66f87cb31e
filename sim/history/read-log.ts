/**
 * Which requests each server process read from its socket, and when: recorded by the
 * simulated ROUTER itself (the socket port, not the driver) as it hands a message to the
 * driver's receive loop. The workload's context is `{"request": n, ...}`, so the request
 * index is the number after the payload's fixed prefix `[{"request":`; a message without
 * it (a reply, a frame set a test forged) is not recorded.
 *
 * The fanout checker uses it to tell a copy the network lost from one the server dropped
 * because its deadline had passed (sim/checkers/membership.ts).
 */
import { serverKey, type ServerRuns } from "./exec-log.js";

const PREFIX = Buffer.from('[{"request":');

/** The request index a ROUTER-side request frame set carries, or -1. */
export function requestIndex(frames: readonly Buffer[]): number {
  if (frames.length !== 6) return -1;
  const type = frames[3]!;
  if (type.length !== 1 || type[0]! < 0x31 || type[0]! > 0x33) return -1; // CALL, CAST, CAST_FANOUT
  const p = frames[5]!;
  if (p.length <= PREFIX.length || p.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return -1;
  let n = 0;
  let i = PREFIX.length;
  for (; i < p.length; i++) {
    const c = p[i]!;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return i === PREFIX.length ? -1 : n;
}

export class ReadLog {
  /** Reads per server process, in the order the driver got them. */
  readonly byServer = new Map<number, ServerRuns>();

  constructor(private readonly nowUs: () => number) {}

  /** A server process read `frames` (as its ROUTER hands them over: peer id first). */
  read(host: number, incarnation: number, frames: readonly Buffer[]): void {
    const n = requestIndex(frames);
    if (n < 0) return;
    const key = serverKey(host, incarnation);
    let reads = this.byServer.get(key);
    if (!reads) {
      reads = { n: [], atUs: [] };
      this.byServer.set(key, reads);
    }
    reads.n.push(n);
    reads.atUs.push(this.nowUs());
  }
}
