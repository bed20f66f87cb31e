/**
 * Spawns and drives server-process.ts children: waits for their JSON events, stops them
 * gracefully, kills them (SIGKILL) or freezes and thaws them (SIGSTOP, SIGCONT), and makes
 * sure none outlives the test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ListenerStats } from "../../../src/driver/listener-stats.js";
import type { DriverOptions } from "../../../src/index.js";

const SCRIPT = fileURLToPath(new URL("./server-process.ts", import.meta.url));
const NOTIFY_SCRIPT = fileURLToPath(new URL("./notify-listener-process.ts", import.meta.url));

/** What a child's endpoint method "report" answers: per topic its server's host, the ids "run" ran, its stats. */
export interface ServerReport {
  server: string;
  pid: number;
  topics: Record<string, { host: string; ran: string[]; stats: ListenerStats }>;
}

export interface ServerChild {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Resolves once every server has started: the first topic's host, and the host of each topic. */
  readonly ready: Promise<{ host: string; hosts: Record<string, string>; atMs: number }>;
  /** Graceful stop; resolves with the time the child reported that server.stop() returned (the process then exits). */
  stop(): Promise<number>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGKILL; resolves with the time the signal was sent, after the process is gone. */
  kill(): Promise<number>;
  /** SIGSTOP; resolves once the kernel reports the process stopped (its sockets stay open, nothing is read). */
  pause(): Promise<void>;
  /** SIGCONT; resolves once the process runs again. A no-op for a process that is not stopped or is gone. */
  resume(): Promise<void>;
}

/** The process's state letter from /proc/<pid>/stat ("T": stopped by a signal), undefined once it is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

/** Waits until `done(state)` holds for `pid` (polled every 5 ms, for at most 5 s). */
async function untilState(pid: number, what: string, done: (state: string | undefined) => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (done(procState(pid))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${pid} did not become ${what} (state ${procState(pid)})`);
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export function spawnServer(url: string, topic: string, name: string, options: DriverOptions = {}): ServerChild {
  return spawnScript(SCRIPT, [url, topic, name, JSON.stringify(options)], name);
}

/**
 * A notification listener in its own process (notify-listener-process.ts) on `topic`, in
 * pool `pool` (none: a pool of its own), its transport made with `options`; an RpcServer named `name` on `<topic>-ctl`
 * answers "received" with the payloads its endpoint got.
 */
export function spawnNotifyListener(
  url: string,
  topic: string,
  name: string,
  pool?: string,
  options: DriverOptions = {},
): ServerChild {
  return spawnScript(NOTIFY_SCRIPT, [url, topic, name, pool ?? "-", JSON.stringify(options)], name);
}

function spawnScript(script: string, args: string[], name: string): ServerChild {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], {
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
  const ready = event("ready").then(({ e, atMs }) => ({
    host: String(e.host),
    hosts: e.hosts as Record<string, string>,
    atMs,
  }));
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
    async pause() {
      proc.kill("SIGSTOP");
      await untilState(proc.pid!, "stopped", (s) => s === "T" || s === undefined);
    },
    async resume() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGCONT");
      await untilState(proc.pid!, "running", (s) => s !== "T");
    },
  };
}
