/**
 * Lifecycle of one client request (call, cast or fanout) as data. The delivery core
 * (delivery-core.ts) looks every state change of a request up here and throws on an event
 * the table does not allow, so the table is the single description of what a request can
 * do; uml/generated/request-lifecycle.state.mmd and fanout-host.state.mmd are generated
 * from the two tables (scripts/state-tables.ts). spec/delivery.md describes each state.
 *
 *   new --needHosts--> waiting-for-hosts --hosts--> sending       (call, cast)
 *   new --hostsAtHand--> sending                                   (the hot path)
 *   sending --accepted--> awaiting-reply                           (call: its reply settles it)
 *   sending --delivered--> settled                                 (cast)
 *   sending --sent--> awaiting-ack                                 (acks on: call and cast wait for the ACK)
 *   awaiting-ack --acked--> awaiting-reply | --delivered--> settled  (call | cast)
 *   awaiting-ack --resend--> sending                               (no ACK in time: the same host again)
 *   awaiting-ack | awaiting-reply --move--> waiting-for-hosts      (host believed dead, the request may move)
 *   sending --retry--> waiting-for-hosts                           (a failed send, another host next)
 *   sending --pause--> paused --resume--> waiting-for-hosts        (every host failed this round)
 *   new --fail--> settled                                          (every host is open: host-health.ts)
 *   sending --stop--> stopped                                      (no socket before the deadline)
 *   new | waiting-for-hosts --fanOut--> fanning-out                (fanout: every host at once)
 *   fanning-out --complete|incomplete--> settled
 *   any pending state --expire|close|fail--> settled; a call's --reply--> settled
 */
export type RequestState =
  | "new"
  | "waiting-for-hosts"
  | "sending"
  | "awaiting-ack"
  | "paused"
  | "stopped"
  | "awaiting-reply"
  | "fanning-out"
  | "settled";

export type RequestEvent =
  | "needHosts"
  | "hostsAtHand"
  | "hosts"
  | "fanOut"
  | "accepted"
  | "sent"
  | "acked"
  | "resend"
  | "move"
  | "delivered"
  | "retry"
  | "pause"
  | "resume"
  | "stop"
  | "complete"
  | "incomplete"
  | "reply"
  | "fail"
  | "expire"
  | "close";

export const REQUEST_TRANSITIONS: Readonly<
  Record<RequestState, Readonly<Partial<Record<RequestEvent, RequestState>>>>
> = {
  new: {
    needHosts: "waiting-for-hosts",
    hostsAtHand: "sending",
    fail: "settled",
    fanOut: "fanning-out",
    expire: "settled",
    close: "settled",
  },
  "waiting-for-hosts": {
    hosts: "sending",
    fanOut: "fanning-out",
    reply: "settled",
    fail: "settled",
    expire: "settled",
    close: "settled",
  },
  sending: {
    accepted: "awaiting-reply",
    sent: "awaiting-ack",
    acked: "awaiting-reply",
    delivered: "settled",
    retry: "waiting-for-hosts",
    pause: "paused",
    stop: "stopped",
    reply: "settled",
    fail: "settled",
    expire: "settled",
    close: "settled",
  },
  paused: { resume: "waiting-for-hosts", reply: "settled", fail: "settled", expire: "settled", close: "settled" },
  stopped: { reply: "settled", fail: "settled", expire: "settled", close: "settled" },
  "awaiting-ack": {
    acked: "awaiting-reply",
    delivered: "settled",
    resend: "sending",
    move: "waiting-for-hosts",
    reply: "settled",
    fail: "settled",
    expire: "settled",
    close: "settled",
  },
  "awaiting-reply": {
    move: "waiting-for-hosts",
    reply: "settled",
    fail: "settled",
    expire: "settled",
    close: "settled",
  },
  "fanning-out": { complete: "settled", incomplete: "settled", fail: "settled", expire: "settled", close: "settled" },
  settled: {},
};

/** Next state, or undefined when `event` is not allowed in `state`. */
export function nextRequestState(state: RequestState, event: RequestEvent): RequestState | undefined {
  return REQUEST_TRANSITIONS[state][event];
}

/**
 * One host of a fanout: its copy is being sent, waits to be sent again after a failed
 * send, waits for the host's ACK (acks on), was delivered (accepted by the host's
 * connection, or acknowledged with acks on), or was given up (the socket closed, the pool
 * refused, or the host was believed dead). A fanout settles when every host is delivered
 * or given up.
 */
export type FanoutHostState = "sending" | "paused" | "awaiting-ack" | "delivered" | "given-up";
export type FanoutHostEvent = "accepted" | "sent" | "acked" | "resend" | "failed" | "resume" | "giveUp";

export const FANOUT_HOST_TRANSITIONS: Readonly<
  Record<FanoutHostState, Readonly<Partial<Record<FanoutHostEvent, FanoutHostState>>>>
> = {
  sending: { accepted: "delivered", sent: "awaiting-ack", acked: "delivered", failed: "paused", giveUp: "given-up" },
  paused: { resume: "sending" },
  "awaiting-ack": { acked: "delivered", resend: "sending", giveUp: "given-up" },
  delivered: {},
  "given-up": {},
};

/** Next state of a fanout host, or undefined when `event` is not allowed in `state`. */
export function nextFanoutHostState(state: FanoutHostState, event: FanoutHostEvent): FanoutHostState | undefined {
  return FANOUT_HOST_TRANSITIONS[state][event];
}
