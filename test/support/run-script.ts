/**
 * Runs one of the repository's TypeScript entry points (a CLI) in a child Node.js through
 * tsx, as `npm run <script>` would, and collects what it printed and its exit code (-1 when
 * it was killed, e.g. by the timeout). Shared by the CLI tests (matchmaker, top, auth, TLS).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions about anything printed. */
  out: string;
}

/** The path of a source file, from the repository root (`src/matchmaker/redis/cli.ts`). */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

export function runScript(
  script: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...args],
      { timeout: options.timeoutMs ?? 30_000, env: { ...process.env, ...options.env } },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr, out: `${stdout}\n${stderr}` });
      },
    );
  });
}
