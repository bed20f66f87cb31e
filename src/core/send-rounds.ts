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
  if (!r.hosts.every((h) => failed.has(h))) return "retry";
  failed.clear(); // the next round
  return "pause";
}

/** The hosts `r` may be sent to among `hosts`: those not failed this round, or all when every one has. */
export function candidates<T>(r: DeliveryRequest<T>, hosts: readonly string[]): readonly string[] {
  const failed = r.failed;
  if (failed === undefined || failed.size === 0) return hosts;
  const fresh = hosts.filter((h) => !failed.has(h));
  return fresh.length > 0 ? fresh : hosts;
}

/** Whether a failed send gives a fanout's host up (else its copy is sent again after a pause). */
export function fanoutGivesUp(failure: SendFailure): boolean {
  return failure !== "send-error";
}
