/**
 * Spawns and drives server-process.ts children: waits for their JSON events, stops them
 * gracefully or kills them (SIGKILL), and makes sure none outlives the test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DriverOptions } from "../../../src/index.js";

const SCRIPT = fileURLToPath(new URL("./server-process.ts", import.meta.url));

export interface ServerChild {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Resolves with the registered host once the server has started. */
  readonly ready: Promise<{ host: string; atMs: number }>;
  /** Graceful stop; resolves with the time the child reported that server.stop() returned (the process then exits). */
  stop(): Promise<number>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGKILL; resolves with the time the signal was sent, after the process is gone. */
  kill(): Promise<number>;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export function spawnServer(url: string, topic: string, name: string, options: DriverOptions = {}): ServerChild {
  const proc = spawn(process.execPath, ["--import", "tsx", SCRIPT, url, topic, name, JSON.stringify(options)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  live.add(proc);
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  const waiters = new Map<string, (e: Record<string, unknown>, atMs: number) => void>();
  let buf = "";
  proc.stdout!.on("data", (d) => {
    buf += d.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line);
      } catch {
        continue;
      }
      waiters.get(String(e.event))?.(e, performance.now());
    }
  });
  const exited = new Promise<void>((resolve) =>
    proc.once("exit", () => {
      live.delete(proc);
      resolve();
    }),
  );
  const event = (ev: string): Promise<{ e: Record<string, unknown>; atMs: number }> =>
    new Promise((resolve, reject) => {
      waiters.set(ev, (e, atMs) => resolve({ e, atMs }));
      void exited.then(() => reject(new Error(`server child ${name} exited before "${ev}": ${stderr}`)));
    });
  const ready = event("ready").then(({ e, atMs }) => ({ host: String(e.host), atMs }));
  ready.catch(() => undefined);
  return {
    name,
    proc,
    ready,
    exited,
    async stop() {
      const stopped = event("stopped");
      proc.stdin!.write("stop\n");
      const { atMs } = await stopped;
      return atMs;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return performance.now();
      const at = performance.now();
      proc.kill("SIGKILL");
      await exited;
      return at;
    },
  };
}
