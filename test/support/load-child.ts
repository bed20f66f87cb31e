/**
 * A load-tool server (`src/cli/load.ts rpc-server` or `notify-server`, what `npm run load`
 * runs) in its own process, for the load tool's end-to-end tests: `ready` resolves once it
 * printed its "ready" line; `stop()` sends SIGTERM and resolves with its exit code and
 * everything it printed. Killed with the test process if still running.
 */
import type { ChildProcess } from "node:child_process";
import { spawnCli } from "./cli-child.js";
import { repoPath } from "./run-script.js";

export const LOAD_CLI = repoPath("src/cli/load.ts");

export interface LoadServerChild {
  readonly proc: ChildProcess;
  readonly ready: Promise<string>;
  readonly output: () => string;
  stop(): Promise<{ code: number | null; out: string }>;
}

export function spawnLoadServer(args: readonly string[]): LoadServerChild {
  const child = spawnCli(LOAD_CLI, args, "load server", (out) => out.split("\n").find((l) => l.includes("ready")));
  return {
    proc: child.proc,
    ready: child.ready,
    output: child.output,
    async stop() {
      const code = await child.stop();
      return { code, out: child.output() };
    },
  };
}
