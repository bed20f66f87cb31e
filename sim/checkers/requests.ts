/**
 * Checkers of single requests: each settles once and on time, a call gets its own reply,
 * and nothing runs twice.
 */
import { KIND, OUTCOME } from "../history/call-log.js";
import type { Checker, CheckInput } from "./index.js";

/**
 * Every request settles exactly once, and no later than its deadline plus the stated slack
 * on the caller's own clock. Time the caller's process spent paused is added to the slack:
 * a blocked event loop runs its timers late, and the driver cannot do better.
 *
 * A JavaScript promise cannot settle twice, so "at most once" holds by construction of the
 * public API; the checker still counts settlement callbacks (a wrapper bug would show).
 * "At least once" for requests of live callers is the liveness checker's job.
 */

export const settleDeadline: Checker = {
  name: "settle-by-deadline",
  proves:
    "every request settles exactly once, no later than deadline + slack on the caller's clock (plus time the caller was paused)",
  check({ ctx }: CheckInput): { maxLatenessMs: number } {
    const { calls, faults, options, violations } = ctx;
    const slack = options.checks.settleSlackMs;
    let worst = -Infinity;
    for (let i = 0; i < calls.size; i++) {
      const o = calls.outcome[i]!;
      if (o === OUTCOME.pending || o === OUTCOME.abandoned) continue;
      if (calls.settleCount[i]! > 1)
        violations.add({ checker: this.name, message: `request #${i} settled ${calls.settleCount[i]} times`, call: i });
      const pausedMs = (faults.pausedUs(calls.host[i]!, calls.issuedUs[i]!, calls.settledUs[i]!) / 1000) * 1.01;
      const late = calls.settledLocalMs[i]! - calls.deadlineLocalMs[i]!;
      if (late > worst) worst = late;
      if (late > slack + pausedMs) {
        violations.add({
          checker: this.name,
          message: `request #${i} (h${calls.host[i]}) settled ${late.toFixed(3)} ms after its deadline (slack ${slack} ms, paused ${pausedMs.toFixed(3)} ms)`,
          atUs: calls.settledUs[i]!,
          call: i,
        });
      }
    }
    return { maxLatenessMs: Number.isFinite(worst) ? worst : 0 };
  },
};

/**
 * No reply reaches the wrong caller: a call that resolved got the echo of its own request
 * (the index the server saw equals the caller's), from a server of the topic it called,
 * and from the named server when it addressed one.
 */

export const replyRouting: Checker = {
  name: "reply-to-right-caller",
  proves:
    "a resolved call carries the reply to its own request, from a server of its topic (the named one when addressed)",
  check({ ctx, cluster }: CheckInput): void {
    const { calls, violations } = ctx;
    for (let i = 0; i < calls.size; i++) {
      if (calls.kind[i] !== KIND.call || calls.outcome[i] !== OUTCOME.replied) continue;
      const n = calls.replyN[i]!;
      const s = calls.replyServer[i]!;
      const t = calls.replyTopic[i]!;
      let why: string | undefined;
      if (n !== i) why = `got the reply to request #${n}`;
      else if (t !== calls.topic[i]) why = `got a reply from topic t${t}, called t${calls.topic[i]}`;
      else if (!cluster.serversOfTopic[t]?.includes(s)) why = `got a reply from h${s}, which does not serve t${t}`;
      else if (calls.server[i]! >= 0 && s !== calls.server[i])
        why = `addressed h${calls.server[i]} but got the reply of h${s}`;
      if (why)
        violations.add({
          checker: this.name,
          message: `call #${i} from h${calls.host[i]} ${why}`,
          atUs: calls.settledUs[i]!,
          call: i,
        });
    }
  },
};

/**
 * Requests run at most once: the driver re-sends a request only when a send failed before
 * the message was queued, or, with acks on, to the same server, which recognises the
 * copy; so no call or cast reaches a handler twice, and no fanout reaches one server
 * twice. A call or cast marked idempotent is the exception: with acks on it may move to
 * another server when its first one is believed dead, and run on both; once per server
 * is then the rule (executed-at-most-once-per-server, acked-cast-delivered). Also: no
 * handler ever ran a request the workload did not issue.
 */

export const atMostOnce: Checker = {
  name: "at-most-once",
  proves:
    "no call or cast runs twice (unless idempotent), no fanout runs twice on one server, nothing runs that was not sent",
  check({ ctx }: CheckInput): void {
    const { calls, exec, violations } = ctx;
    if (exec.unknown > 0)
      violations.add({
        checker: this.name,
        message: `${exec.unknown} handler runs for requests that were never issued`,
      });
    for (let i = 0; i < calls.size; i++) {
      if (calls.kind[i] === KIND.fanout) {
        const hosts = exec.fanoutHosts.get(i) ?? [];
        const dup = hosts.find((h, k) => hosts.indexOf(h) !== k);
        if (dup !== undefined)
          violations.add({ checker: this.name, message: `fanout #${i} ran twice on h${dup}`, call: i });
      } else if (exec.runs[i]! > 1 && !calls.idempotent(i)) {
        violations.add({
          checker: this.name,
          message: `${calls.kind[i] === KIND.call ? "call" : "cast"} #${i} ran ${exec.runs[i]} times`,
          call: i,
        });
      }
    }
  },
};
