/**
 * Requests run at most once: the driver re-sends only when a send failed before the
 * message was queued, so no call or cast reaches a handler twice, and no fanout reaches
 * one server twice. Also: no handler ever ran a request the workload did not issue.
 */
import { KIND } from "../history/call-log.js";
import type { Checker, CheckInput } from "./checker.js";

export const atMostOnce: Checker = {
  name: "at-most-once",
  proves: "no call or cast runs twice, no fanout runs twice on one server, nothing runs that was not sent",
  check({ ctx }: CheckInput): void {
    const { calls, exec, violations } = ctx;
    if (exec.unknown > 0) violations.add({ checker: this.name, message: `${exec.unknown} handler runs for requests that were never issued` });
    for (let i = 0; i < calls.size; i++) {
      if (calls.kind[i] === KIND.fanout) {
        const hosts = exec.fanoutHosts.get(i) ?? [];
        const dup = hosts.find((h, k) => hosts.indexOf(h) !== k);
        if (dup !== undefined) violations.add({ checker: this.name, message: `fanout #${i} ran twice on h${dup}`, call: i });
      } else if (exec.runs[i]! > 1) {
        violations.add({ checker: this.name, message: `${calls.kind[i] === KIND.call ? "call" : "cast"} #${i} ran ${exec.runs[i]} times`, call: i });
      }
    }
  },
};
