/**
 * A crashed host leaves discovery within its TTL: ttl (+ slack) after the crash, none of
 * the dead process's keys lists its address any more (checked against the cluster's
 * matchmaker itself, by an event armed at the crash), and nothing registered that address
 * again after the crash (a zombie registration). Without TTL registrations a crashed
 * server stays listed forever by design; the checker then only looks for zombies.
 */
import type { SimContext } from "../context.js";
import type { CrashRecord } from "../history/fault-log.js";
import type { Checker, CheckInput } from "./checker.js";

const NAME = "crashed-host-leaves-discovery";

/** Arms the TTL probe for one crash (called by the cluster at crash time). */
export function armDiscoveryProbe(ctx: SimContext, crash: CrashRecord): void {
  const ttl = ctx.options.driver.registrationTtlMs;
  if (ttl === null || ttl === undefined || !crash.address) return;
  const address = crash.address;
  const dueUs = crash.atUs + (ttl + ctx.options.checks.discoverySlackMs) * 1000;
  ctx.scheduler.at(dueUs, () => {
    for (const key of crash.keys) {
      if (ctx.matchmaker.hostsNow(key).includes(address)) {
        ctx.violations.add({ checker: NAME, message: `h${crash.host} crashed at ${(crash.atUs / 1000).toFixed(3)} ms but ${address} is still listed under ${key} ${ttl} ms later`, atUs: dueUs });
      }
    }
  });
}

export const discoveryTtl: Checker = {
  name: NAME,
  proves: "ttl after a crash the dead address is gone from every key it served, and it is never registered again",
  check({ ctx }: CheckInput): void {
    for (const c of ctx.faults.crashes) {
      if (!c.address) continue;
      const last = ctx.discovery.lastRegistrationUs(c.address);
      if (last !== undefined && last > c.atUs) {
        ctx.violations.add({ checker: NAME, message: `${c.address} (h${c.host}, crashed at ${(c.atUs / 1000).toFixed(3)} ms) was registered again at ${(last / 1000).toFixed(3)} ms`, atUs: last });
      }
    }
  },
};
