/**
 * What the model of the delivery core (delivery-model.ts) knows about one request: the
 * caller's side of it — its kind, deadline, retry and failover, the host lists offered to
 * it, its sends and their outcomes, the ACKs it was given — plus the effects sink that
 * records what the core asks for. Records and small helpers only; the rules are in
 * delivery-model.ts.
 */
import {
  MessageDeliveryFailure,
  type DeliveryEffects,
  type DeliveryRequest,
  type RequestKind,
} from "../../src/internal.js";
import type { Failover, HostDownReason } from "../../src/core/delivery-request.js";

export type Fx =
  | { type: "lookup"; key: string }
  | { type: "send"; id: string; host: string }
  | { type: "hostsSeen"; key: string; hosts: readonly string[] }
  | { type: "release"; id: string }
  | { type: "settle"; id: string; ok: boolean; value: unknown };

/** The effects sink: records every effect, and the core's request handles by id. */
export class Recorder implements DeliveryEffects<null> {
  fx: Fx[] = [];
  readonly handles = new Map<string, DeliveryRequest<null>>();
  /** Requests the core said will not be sent again (sendsOver), kept apart from `fx`. */
  readonly sendsOverSaid = new Set<string>();
  sendsOver(r: DeliveryRequest<null>): void {
    if (this.sendsOverSaid.has(r.id)) throw new Error(`sendsOver said twice for ${r.id}`);
    this.sendsOverSaid.add(r.id);
  }
  lookup(key: string): void {
    this.fx.push({ type: "lookup", key });
  }
  send(r: DeliveryRequest<null>, host: string): void {
    this.handles.set(r.id, r);
    this.fx.push({ type: "send", id: r.id, host });
  }
  hostsSeen(key: string, hosts: readonly string[]): void {
    this.fx.push({ type: "hostsSeen", key, hosts });
  }
  release(r: DeliveryRequest<null>): void {
    this.fx.push({ type: "release", id: r.id });
  }
  settle(r: DeliveryRequest<null>, ok: boolean, value: unknown): void {
    this.fx.push({ type: "settle", id: r.id, ok, value });
  }
  take(): Fx[] {
    const out = this.fx;
    this.fx = [];
    return out;
  }
}

/**
 * A call's or cast's progress as a caller can tell: waiting for hosts (paused until
 * `notBeforeMs`), one send in flight, accepted and waiting for the ACK (acks on), waiting
 * for the reply (a call accepted with acks off, or acknowledged), or stopped (no socket).
 */
export type Phase = "waiting" | "sending" | "awaiting-ack" | "awaiting-reply" | "stopped";

/** A fanout host's progress as a caller can tell; undefined before its first copy is sent. */
export type HostPhase = "sending" | "paused" | "awaiting-ack" | "delivered" | "given-up";

/** The input the core is handling: which effects and changes it may bring. */
export type Input =
  | { type: "send" | "hostsKnown" | "timer" | "outcome" | "reply" | "other" }
  | { type: "ack"; id: string; host: string }
  | { type: "hostDown"; host: string; why: Exclude<HostDownReason, "no-ack"> };

/**
 * Events the runs of a property must go through (the test counts them and fails if one
 * never happened, so that no property holds vacuously): with acks on or off...
 */
export const SEEN_ALWAYS = [
  "moved after hostDown",
  "failed after hostDown",
  "pick after a move",
  "refused: every host open",
  "probe after a cool-down",
  "open host closed by a sign of life",
  "hostUp on an open host",
] as const;
/** ... and with acks on only. */
export const SEEN_WITH_ACKS = [
  ...SEEN_ALWAYS,
  "ACK of an accepted copy",
  "ACK of a copy in flight",
  "cast ok on its ACK",
  "fanout ok on ACKs",
  "resend",
  "failed resend waits as a lost copy",
  "fanout resend",
  "ACK timeouts past retry",
  "moved after no ACK",
  "failed after no ACK",
  "fanout copy given up after no ACK",
  "fanout copy given up after hostDown",
] as const;
export type Seen = (typeof SEEN_WITH_ACKS)[number];

/** How a MessageDeliveryFailure says why a host is believed dead (spec/delivery.md, "Acknowledged delivery"). */
export const DOWN_REASON: Record<HostDownReason, string> = {
  "no-ack": "sent no acknowledgement",
  disconnected: "dropped its connection",
};

/**
 * The cause a fanout records when one of `hosts` is believed dead while its copy waits
 * for the ACK: a MessageDeliveryFailure the core makes, naming that host, not retryable.
 */
export class DeadHostCause {
  constructor(
    readonly hosts: readonly string[],
    readonly why: HostDownReason,
  ) {}
}

/** Whether `actual` is the cause the model expects (the same object, or a DeadHostCause's error). */
export function causeMatches(expected: unknown, actual: unknown): boolean {
  if (!(expected instanceof DeadHostCause)) return actual === expected;
  return (
    actual instanceof MessageDeliveryFailure &&
    actual.host !== undefined &&
    expected.hosts.includes(actual.host) &&
    !actual.retryable &&
    actual.message.startsWith(`host ${actual.host} ${DOWN_REASON[expected.why]} (`)
  );
}

/** One fanout host's copies. */
export interface MHost {
  phase: HostPhase | undefined;
  /** Paused until (after a failed send). */
  notBeforeMs: number;
  /** Copies accepted by its connection; resends after an ACK wait ran out; when the latest was accepted. */
  copies: number;
  resends: number;
  acceptedAtMs: number;
}

export interface MReq {
  readonly id: string;
  readonly kind: RequestKind;
  readonly key: string;
  readonly deadlineMs: number;
  readonly retry: number | null;
  readonly failover: Failover;
  settled: boolean;
  released: boolean;
  outcome?: { ok: boolean; value: unknown };
  /** The latest host list offered to it (at hand, or a lookup answer while it needed hosts). */
  offered: readonly string[] | undefined;
  /** Fanout: the snapshot its copies go to. */
  snapshot: readonly string[] | undefined;
  /** Sends whose outcome the core waits for. */
  sending: Set<string>;
  /** Sends the shell has not reported yet but the core no longer waits for (their host ACKed meanwhile). */
  unreported: Set<string>;
  /** Every host a send went to. */
  sentTo: Set<string>;
  /** Hosts that accepted or acknowledged a send of it: each may have run it. */
  accepted: Set<string>;
  /** Sends of it so far (call, cast: at most retry + 1). */
  sends: number;
  /** Call, cast: HealthModel.sendSeq when its latest send left (the core's DeliveryRequest.sentSeq). */
  sentSeq: number;
  /** Call, cast: failures counted against retry (failed sends, ACK timeouts, moves after a dropped host). */
  failures: number;
  /** Call, cast: hosts whose send failed this round. */
  failedRound: Set<string>;
  /** Call, cast: paused until. */
  notBeforeMs: number;
  lastCause: unknown;
  waitingForSocket: string | undefined;
  /** The send outcome being reported may settle it with an error (exhausted, past retry). */
  mayFail: boolean;
  /** The value of the reply the test gave it (call). */
  reply?: { ok: boolean; value: unknown };
  /** Call, cast: where it is, and the host of its latest send. */
  phase: Phase;
  host: string | undefined;
  /** Call, cast: hosts it believes dead (it moved away from them). */
  dead: Set<string>;
  /**
   * Call, cast: copies accepted by `host` (or lost: a failed resend), resends to it, since
   * it was picked (or moved); when the latest copy was accepted (or lost): its ACK wait began.
   */
  copies: number;
  resends: number;
  acceptedAtMs: number;
  /** Cast: the host whose ACK the model expects to settle it. */
  ackedBy: string | undefined;
  /** Call, cast: the host just reported down while the request waited for its ACK or reply. */
  downBy: string | undefined;
  /** Fanout: each host of the snapshot. */
  hosts: Map<string, MHost>;
}

export function newRequest(
  id: string,
  kind: RequestKind,
  key: string,
  deadlineMs: number,
  retry: number | null,
  failover: Failover,
): MReq {
  return {
    id,
    kind,
    key,
    deadlineMs,
    retry,
    failover,
    settled: false,
    released: false,
    offered: undefined,
    snapshot: undefined,
    sending: new Set(),
    unreported: new Set(),
    sentTo: new Set(),
    accepted: new Set(),
    sends: 0,
    sentSeq: 0,
    failures: 0,
    failedRound: new Set(),
    notBeforeMs: 0,
    lastCause: undefined,
    waitingForSocket: undefined,
    mayFail: false,
    phase: "waiting",
    host: undefined,
    dead: new Set(),
    copies: 0,
    resends: 0,
    acceptedAtMs: 0,
    ackedBy: undefined,
    downBy: undefined,
    hosts: new Map(),
  };
}

export function newHost(): MHost {
  return { phase: undefined, notBeforeMs: 0, copies: 0, resends: 0, acceptedAtMs: 0 };
}

/** The rule a request that may not move gives in its MessageDeliveryFailure. */
export function notMovedBecause(r: MReq): string {
  return r.failover === "one-server" ? "it is addressed to one server" : "it is not idempotent";
}
