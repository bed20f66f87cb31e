/**
 * A proxy process's wiring (spec/proxy.md): the real ports, the matchmaker the URL names,
 * and the proxy shell (src/driver/proxy-shell.ts) on them. `npm run proxy` (src/cli/proxy.ts)
 * is its command line; tests start proxies in-process through it too.
 */
import { createRedisMatchmaker } from "../matchmaker/redis/factory.js";
import { DEFAULT_REDIS_REGISTRATION_TTL_MS } from "../matchmaker/redis/options.js";
import { ProxyShell, type ProxyShellConfig } from "../driver/proxy-shell.js";
import { resolveOptions, type DriverOptions } from "../options.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import { defaultInProcessMatchmaker } from "./process-matchmaker.js";
import { realPorts } from "./transport.js";
import { parseTransportUrl } from "./url.js";

export interface RunningProxy {
  readonly shell: ProxyShell;
  readonly addresses: { frontend: string; backend: string };
  /** Calls `fn` every `ms` until stop() (on the clock port). */
  every(ms: number, fn: () => void): void;
  /** Deregisters, drains, closes the sockets and the matchmaker it created. */
  stop(): Promise<void>;
}

/** Starts a proxy on the matchmaker of `url` (zmq://: this process's in-process one, or options.matchmaker). */
export async function startProxy(
  url: string,
  config: ProxyShellConfig = {},
  options: DriverOptions = {},
): Promise<RunningProxy> {
  const spec = parseTransportUrl(url);
  const resolved = resolveOptions(
    { ...options, routing: "direct" },
    spec.kind === "in-process" ? {} : { registrationTtlMs: DEFAULT_REDIS_REGISTRATION_TTL_MS },
  );
  const ports = options.ports ?? realPorts();
  let matchmaker: Matchmaker | undefined = options.matchmaker;
  let owns = false;
  if (matchmaker === undefined) {
    if (spec.kind === "in-process") matchmaker = defaultInProcessMatchmaker();
    else {
      matchmaker = await createRedisMatchmaker(spec, ports.clock, options.redisMatchmaker);
      owns = true;
    }
  }
  const mm = matchmaker;
  const shell = new ProxyShell({ ...ports, matchmaker: mm, options: resolved }, config);
  const addresses = await shell.start();
  const timers = new Set<number>();
  return {
    shell,
    addresses,
    every(ms, fn) {
      const tick = (): void => {
        timers.delete(id);
        fn();
        id = ports.clock.setTimer(ms, tick);
        timers.add(id);
      };
      let id = ports.clock.setTimer(ms, tick);
      timers.add(id);
    },
    async stop() {
      for (const t of timers) ports.clock.clearTimer(t);
      await shell.stop();
      ports.sockets.close();
      if (owns) await mm.close();
    },
  };
}
