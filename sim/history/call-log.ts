/**
 * What the workload asked for and what it got back, one row per request, in typed arrays
 * (a million rows cost about 80 MB). Written only by the workload's own callbacks on the
 * promises the public API returns; read by the checkers and the report. The driver never
 * sees this log.
 */
export const KIND = { call: 0, cast: 1, fanout: 2 } as const;
export type KindCode = (typeof KIND)[keyof typeof KIND];
export const KIND_NAMES = ["call", "cast", "fanout"] as const;

/** Outcome codes. abandoned: the calling process crashed before the request settled. */
export const OUTCOME = { pending: 0, replied: 1, timedOut: 2, failed: 3, abandoned: 4 } as const;
export type OutcomeCode = (typeof OUTCOME)[keyof typeof OUTCOME];

/** Flags of a request: marked idempotent (RpcClient `idempotent`), sent with acknowledged delivery on (DriverOptions `acks`). */
export const FLAG = { idempotent: 1, acks: 2 } as const;

/** How a request's promise rejected: the error's name, its `code` and, when it names one, its `host`. */
export interface Failure {
  readonly name: string;
  readonly code: string | undefined;
  readonly host: string | undefined;
}

export class CallLog {
  size = 0;
  readonly host: Int32Array;
  readonly incarnation: Int32Array;
  readonly kind: Uint8Array;
  readonly topic: Int32Array;
  /** Named server (directed request), -1 for the topic. */
  readonly server: Int32Array;
  readonly probe: Uint8Array;
  /** FLAG bits. */
  readonly flags: Uint8Array;
  readonly issuedUs: Float64Array;
  readonly issuedLocalMs: Float64Array;
  readonly deadlineLocalMs: Float64Array;
  readonly settledUs: Float64Array;
  readonly settledLocalMs: Float64Array;
  readonly outcome: Uint8Array;
  readonly settleCount: Uint8Array;
  /** Echo of the reply: the request index the server saw, the server and the topic. */
  readonly replyN: Float64Array;
  readonly replyServer: Int32Array;
  readonly replyTopic: Int32Array;
  /** Requests issued and neither settled nor abandoned. */
  open = 0;
  /** Error class names of failed requests, counted. */
  readonly errors = new Map<string, number>();
  /** The rejection of every request whose promise rejected (timeouts included), by request. */
  readonly failures = new Map<number, Failure>();

  constructor(readonly capacity: number) {
    this.host = new Int32Array(capacity);
    this.incarnation = new Int32Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.topic = new Int32Array(capacity);
    this.server = new Int32Array(capacity);
    this.probe = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.issuedUs = new Float64Array(capacity);
    this.issuedLocalMs = new Float64Array(capacity);
    this.deadlineLocalMs = new Float64Array(capacity);
    this.settledUs = new Float64Array(capacity).fill(NaN);
    this.settledLocalMs = new Float64Array(capacity).fill(NaN);
    this.outcome = new Uint8Array(capacity);
    this.settleCount = new Uint8Array(capacity);
    this.replyN = new Float64Array(capacity).fill(NaN);
    this.replyServer = new Int32Array(capacity).fill(-1);
    this.replyTopic = new Int32Array(capacity).fill(-1);
  }

  add(r: {
    host: number;
    incarnation: number;
    kind: KindCode;
    topic: number;
    server: number;
    probe: boolean;
    issuedUs: number;
    issuedLocalMs: number;
    timeoutMs: number;
    /** FLAG bits. @default 0 */
    flags?: number;
  }): number {
    if (this.size >= this.capacity) throw new RangeError(`call log is full (${this.capacity})`);
    const i = this.size++;
    this.host[i] = r.host;
    this.incarnation[i] = r.incarnation;
    this.kind[i] = r.kind;
    this.topic[i] = r.topic;
    this.server[i] = r.server;
    this.probe[i] = r.probe ? 1 : 0;
    this.flags[i] = r.flags ?? 0;
    this.issuedUs[i] = r.issuedUs;
    this.issuedLocalMs[i] = r.issuedLocalMs;
    this.deadlineLocalMs[i] = r.issuedLocalMs + r.timeoutMs;
    this.open++;
    return i;
  }

  settle(i: number, outcome: OutcomeCode, atUs: number, localMs: number): void {
    if (this.settleCount[i]! < 255) this.settleCount[i]!++;
    if (this.outcome[i] !== OUTCOME.pending) return; // a second settlement: the checker reports it
    this.open--;
    this.outcome[i] = outcome;
    this.settledUs[i] = atUs;
    this.settledLocalMs[i] = localMs;
  }

  reply(i: number, n: number, server: number, topic: number): void {
    this.replyN[i] = n;
    this.replyServer[i] = server;
    this.replyTopic[i] = topic;
  }

  error(name: string): void {
    this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
  }

  /** Records how request `i`'s promise rejected. */
  rejected(i: number, f: Failure): void {
    this.failures.set(i, f);
  }

  idempotent(i: number): boolean {
    return (this.flags[i]! & FLAG.idempotent) !== 0;
  }

  acked(i: number): boolean {
    return (this.flags[i]! & FLAG.acks) !== 0;
  }

  /** Marks the pending requests of one crashed process incarnation as abandoned. */
  abandon(host: number, incarnation: number, atUs: number): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.outcome[i] === OUTCOME.pending && this.host[i] === host && this.incarnation[i] === incarnation) {
        this.outcome[i] = OUTCOME.abandoned;
        this.settledUs[i] = atUs;
        this.open--;
        n++;
      }
    }
    return n;
  }

  count(outcome: OutcomeCode, includeProbes = false): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.outcome[i] === outcome && (includeProbes || this.probe[i] === 0)) n++;
    return n;
  }
}
