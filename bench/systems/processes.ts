/**
 * Servers the peer benchmarks start themselves (nats-server, rabbitmq-server, epmd): a
 * free loopback port, a binary looked up on the PATH, a child started in its own process
 * group and stopped with it (SIGTERM, then SIGKILL), also when the benchmark fails or is
 * interrupted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer, Socket } from "node:net";
import { delimiter, join } from "node:path";

/** A TCP port free on 127.0.0.1 right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `path` is an executable file. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path of `name` on the PATH (plus the sbin directories Debian puts servers in), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    if (isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects after `limitMs`. */
export async function waitForPort(port: number, limitMs: number, child?: ChildProcess): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`exited with status ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
      s.connect(port, "127.0.0.1");
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listened on port ${port} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const running = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
let hooked = false;

/** Kills every child still running and runs the cleanups, synchronously (exit and signal handlers). */
function killAll(): void {
  for (const c of running) if (c.pid !== undefined && c.exitCode === null) killGroup(c.pid, "SIGKILL");
  for (const f of cleanups) {
    try {
      f();
    } catch {}
  }
}

/** Runs `f` (synchronous: removing a temporary directory) if this process ends before `cancel()`. */
export function cleanupOnExit(f: () => void): { cancel(): void } {
  hookExit();
  cleanups.add(f);
  return { cancel: () => cleanups.delete(f) };
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.once(sig, () => {
      killAll();
      process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {}
}

/**
 * Starts `bin` in its own process group, output kept for an error message, killed when this
 * process ends. `stdin: "pipe"` gives the child a stdin to send it commands on.
 */
export function startChild(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  stdin: "ignore" | "pipe" = "ignore",
): ChildProcess & { log: () => string } {
  hookExit();
  const child = spawn(bin, args, { env, detached: true, stdio: [stdin, "pipe", "pipe"] });
  let out = "";
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("error", (err) => keep(Buffer.from(String(err))));
  running.add(child);
  child.once("exit", () => running.delete(child));
  return Object.assign(child, { log: () => out });
}

/** Stops a child and its process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  killGroup(child.pid, "SIGTERM");
  const timer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child.pid, "SIGKILL"); // whatever of its group is left
}
