/**
 * A load-tool server (`src/cli/load.ts rpc-server` or `notify-server`, what `npm run load`
 * runs) in its own process, for the load tool's end-to-end tests: `ready` resolves once it
 * printed its "ready" line; `stop()` sends SIGTERM and resolves with its exit code and
 * everything it printed. Killed with the test process if still running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { repoPath } from "./run-script.js";

export const LOAD_CLI = repoPath("src/cli/load.ts");

export interface LoadServerChild {
  readonly proc: ChildProcess;
  readonly ready: Promise<string>;
  readonly output: () => string;
  stop(): Promise<{ code: number | null; out: string }>;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export function spawnLoadServer(args: readonly string[]): LoadServerChild {
  const proc = spawn(process.execPath, ["--import", "tsx", LOAD_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
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
  const ready = new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const line = out.split("\n").find((l) => l.includes("ready"));
      if (line !== undefined) resolve(line);
    };
    proc.stdout!.on("data", check);
    void exited.then(() => reject(new Error(`load server exited before ready: ${out}`)));
  });
  ready.catch(() => undefined);
  return {
    proc,
    ready,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return { code: await exited, out };
    },
  };
}
