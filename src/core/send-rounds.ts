/**
 * Rounds of sends of a call or cast (spec/delivery.md, "Failed sends"): which hosts a
 * request may be sent to next, and what follows a failed send. Each host of the list may
 * fail once per round; when every host of the list has failed, the round ends with a
 * pause and the next round starts with every host a candidate again. Pure functions over
 * the request's record (its `failed` set and `failures` count).
 */
import type { DeliveryRequest, SendFailure } from "./delivery-request.js";

/**
 * What follows a failed send of a call or cast:
 * - "fail": settle now with the send's error (the pool refused at once: "exhausted");
 * - "stop": nothing more to do; the deadline settles it (no pooled socket in time);
 * - "retries-exhausted": settle now, the failure went past `retry`;
 * - "retry": another host next (some host of the list has not failed this round);
 * - "pause": every host of the list failed this round; wait before the next round.
 */
export type AfterFailedSend = "fail" | "stop" | "retries-exhausted" | "retry" | "pause";

/** Books the failed send of `r` to `host` in its round and says what follows. */
export function afterFailedSend<T>(r: DeliveryRequest<T>, host: string, failure: SendFailure): AfterFailedSend {
  if (failure === "exhausted") return "fail";
  if (failure === "socket-timeout") return "stop";
  r.failed ??= new Set();
  const failed = r.failed;
  failed.add(host);
  r.failures++;
  if (r.retry !== null && r.failures > r.retry) return "retries-exhausted";
  const dead = r.dead;
  // A host this request believes dead is never picked while others are: it counts as failed.
  if (!r.hosts.every((h) => failed.has(h) || dead?.has(h) === true)) return "retry";
  failed.clear(); // the next round
  return "pause";
}

/**
 * The hosts `r` may be sent to among `hosts`, narrowed step by step while at least one
 * host is left: not believed dead by `r` (acks on or a dropped connection); not failed
 * this round. A step that would leave no host is skipped, so the answer is never empty.
 * The common case (nothing failed) returns `hosts` itself. Host health (open breakers)
 * filters afterwards, in the flows, and may leave none.
 */
export function candidates<T>(r: DeliveryRequest<T>, hosts: readonly string[]): readonly string[] {
  const failed = r.failed;
  const dead = r.dead;
  let out = hosts;
  if (dead !== undefined && dead.size > 0) out = narrow(out, (h) => !dead.has(h));
  if (failed !== undefined && failed.size > 0) out = narrow(out, (h) => !failed.has(h));
  return out;
}

/** The hosts of `hosts` that `keep` keeps, or `hosts` itself when it keeps none or all. */
function narrow(hosts: readonly string[], keep: (h: string) => boolean): readonly string[] {
  const kept = hosts.filter(keep);
  return kept.length > 0 && kept.length < hosts.length ? kept : hosts;
}

/** Whether a failed send gives a fanout's host up (else its copy is sent again after a pause). */
export function fanoutGivesUp(failure: SendFailure): boolean {
  return failure !== "send-error";
}
