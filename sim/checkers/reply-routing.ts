/**
 * No reply reaches the wrong caller: a call that resolved got the echo of its own request
 * (the index the server saw equals the caller's), from a server of the topic it called,
 * and from the named server when it addressed one.
 */
import { KIND, OUTCOME } from "../history/call-log.js";
import type { Checker, CheckInput } from "./checker.js";

export const replyRouting: Checker = {
  name: "reply-to-right-caller",
  proves: "a resolved call carries the reply to its own request, from a server of its topic (the named one when addressed)",
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
      else if (calls.server[i]! >= 0 && s !== calls.server[i]) why = `addressed h${calls.server[i]} but got the reply of h${s}`;
      if (why) violations.add({ checker: this.name, message: `call #${i} from h${calls.host[i]} ${why}`, atUs: calls.settledUs[i]!, call: i });
    }
  },
};
