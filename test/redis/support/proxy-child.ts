/**
 * A proxy (`src/cli/proxy.ts`, what `npm run proxy` runs) in its own process, for the
 * proxy-mode tests: resolves `ready` with its addresses once it printed its "ready" line;
 * `stop()` sends SIGTERM and resolves with its exit code; `kill()` sends SIGKILL.
 * `spawnProxies(url, n)` starts n of them and waits until all are ready.
 */
import { fileURLToPath } from "node:url";
import { spawnCli, type CliChild } from "../../support/cli-child.js";

const SCRIPT = fileURLToPath(new URL("../../../src/cli/proxy.ts", import.meta.url));

export type ProxyChild = CliChild<{ frontend: string; backend: string }>;

export function spawnProxy(url: string, extra: string[] = []): ProxyChild {
  return spawnCli(SCRIPT, ["--url", url, "--drain-ms", "300", ...extra], "proxy", (out) => {
    const m = /ready frontend=(\S+) backend=(\S+)/.exec(out);
    return m ? { frontend: m[1]!, backend: m[2]! } : undefined;
  });
}

/**
 * `count` proxies on `url`, resolved once every one printed "ready"; when one does not get
 * there, all are killed before the error is thrown, so none outlives a failed set-up.
 */
export async function spawnProxies(url: string, count: number, extra: string[] = []): Promise<ProxyChild[]> {
  const proxies = Array.from({ length: count }, () => spawnProxy(url, extra));
  try {
    await Promise.all(proxies.map((p) => p.ready));
  } catch (err) {
    await Promise.all(proxies.map((p) => p.kill()));
    throw err;
  }
  return proxies;
}
