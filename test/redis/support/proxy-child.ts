/**
 * A proxy (`src/cli/proxy.ts`, what `npm run proxy` runs) in its own process, for the
 * proxy-mode tests: resolves `ready` with its addresses once it printed its "ready" line;
 * `stop()` sends SIGTERM and resolves with its exit code; `kill()` sends SIGKILL.
 * `spawnProxies(url, n)` starts n of them and waits until all are ready.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../../src/cli/proxy.ts", import.meta.url));

export interface ProxyChild {
  readonly proc: ChildProcess;
  readonly ready: Promise<{ frontend: string; backend: string }>;
  /** Everything it printed so far. */
  readonly output: () => string;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  readonly exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export function spawnProxy(url: string, extra: string[] = []): ProxyChild {
  const proc = spawn(process.execPath, ["--import", "tsx", SCRIPT, "--url", url, "--drain-ms", "300", ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  let out = "";
  proc.stdout!.on("data", (d) => (out += d.toString()));
  proc.stderr!.on("data", (d) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once("exit", (code) => {
      live.delete(proc);
      resolve(code);
    }),
  );
  const ready = new Promise<{ frontend: string; backend: string }>((resolve, reject) => {
    const check = (): void => {
      const m = /ready frontend=(\S+) backend=(\S+)/.exec(out);
      if (m) resolve({ frontend: m[1]!, backend: m[2]! });
    };
    proc.stdout!.on("data", check);
    void exited.then(() => reject(new Error(`proxy exited before ready: ${out}`)));
  });
  ready.catch(() => undefined);
  return {
    proc,
    ready,
    exited,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGKILL");
      await exited;
    },
  };
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
