/**
 * One of the repository's long-running CLIs (a proxy, a load-tool server) in its own Node.js
 * process through tsx, as `npm run <script>` would start it: everything it prints is
 * collected, `ready` resolves with what `readyIn` finds in its output (rejects if it exits
 * first), `stop()` sends SIGTERM, `kill()` SIGKILL. A child still running when the test
 * process exits is killed with it. Shared by test/support/load-child.ts and
 * test/redis/support/proxy-child.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface CliChild<T> {
  readonly proc: ChildProcess;
  readonly ready: Promise<T>;
  /** Everything it printed so far, stdout and stderr. */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  /** SIGTERM (unless it has exited), then its exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (unless it has exited), resolved once it is gone. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

/** Starts `script` with `args`; `what` names it in the error of a child that exits before ready. */
export function spawnCli<T>(
  script: string,
  args: readonly string[],
  what: string,
  readyIn: (output: string) => T | undefined,
): CliChild<T> {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
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
  const ready = new Promise<T>((resolve, reject) => {
    proc.stdout!.on("data", () => {
      const found = readyIn(out);
      if (found !== undefined) resolve(found);
    });
    void exited.then(() => reject(new Error(`${what} exited before ready: ${out}`)));
  });
  ready.catch(() => undefined);
  const running = (): boolean => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    ready,
    exited,
    output: () => out,
    async stop() {
      if (!running()) return proc.exitCode;
      proc.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (!running()) return;
      proc.kill("SIGKILL");
      await exited;
    },
  };
}
