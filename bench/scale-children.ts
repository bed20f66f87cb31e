/**
 * The child processes of a scale benchmark run (bench/scale.ts): the proxies (`npm run
 * proxy`'s entry, src/cli/proxy.ts), the server processes and the client processes
 * (bench/scale-child.ts). Each is started with bench/systems/processes.ts's startChild (its
 * own process group, killed when the benchmark ends, also on SIGINT or a failure); this
 * file adds reading their output line by line, waiting for a line, sending commands.
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startChild, stopChild } from "./systems/processes.js";

const PROXY_CLI = fileURLToPath(new URL("../src/cli/proxy.ts", import.meta.url));
const CHILD = fileURLToPath(new URL("./scale-child.ts", import.meta.url));

export type Role = "client" | "server" | "proxy";

export interface RunChild {
  readonly role: Role;
  readonly proc: ChildProcess & { log: () => string };
  readonly pid: number;
  /** Resolves with the first line (from now on or already seen) that `match` maps to a value. */
  waitLine<T>(what: string, match: (line: string) => T | undefined, limitMs: number): Promise<T>;
  /** The next JSON line whose `event` is `event`, from now on or already seen and not yet taken. */
  waitEvent(event: string, limitMs: number): Promise<Record<string, unknown>>;
  send(command: string): void;
  stop(graceMs?: number): Promise<void>;
}

function wrap(role: Role, proc: ChildProcess & { log: () => string }): RunChild {
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let buf = "";
  proc.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    for (const l of [...listeners]) l();
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const waitLine = <T>(what: string, match: (line: string) => T | undefined, limitMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        listeners.delete(check);
        clearTimeout(timer);
      };
      const check = (): void => {
        for (let i = 0; i < lines.length; i++) {
          const v = match(lines[i]!);
          if (v === undefined) continue;
          lines.splice(i, 1);
          done();
          resolve(v);
          return;
        }
      };
      listeners.add(check);
      timer = setTimeout(() => {
        done();
        reject(new Error(`${role} ${proc.pid}: no ${what} within ${limitMs} ms; output: ${proc.log()}`));
      }, limitMs);
      void exited.then(() => {
        if (!listeners.has(check)) return;
        done();
        reject(
          new Error(`${role} ${proc.pid} exited (${proc.exitCode ?? proc.signalCode}) before ${what}: ${proc.log()}`),
        );
      });
      check();
    });
  return {
    role,
    proc,
    pid: proc.pid!,
    waitLine,
    waitEvent: (event, limitMs) =>
      waitLine(
        `"${event}"`,
        (l) => {
          if (!l.startsWith("{")) return undefined;
          try {
            const o = JSON.parse(l) as Record<string, unknown>;
            return o.event === event ? o : undefined;
          } catch {
            return undefined;
          }
        },
        limitMs,
      ),
    send: (command) => void proc.stdin?.write(`${command}\n`),
    stop: (graceMs = 10_000) => stopChild(proc, graceMs),
  };
}

/** Node with tsx, as `npm run` would run a TypeScript entry. */
function startTs(script: string, args: string[], stdin: "ignore" | "pipe"): ChildProcess & { log: () => string } {
  return startChild(process.execPath, ["--import", "tsx", script, ...args], process.env, stdin);
}

/** A proxy process; resolves once it printed its ready line. */
export async function startProxyChild(url: string, limitMs: number): Promise<RunChild> {
  const c = wrap("proxy", startTs(PROXY_CLI, ["--url", url, "--drain-ms", "300"], "ignore"));
  await c.waitLine("ready line", (l) => (/^proxy ready /.test(l) ? l : undefined), limitMs);
  return c;
}

/** A process with the RPC servers `names`; resolves once all are started. */
export async function startServersChild(
  url: string,
  options: object,
  names: string[],
  limitMs: number,
): Promise<RunChild> {
  const c = wrap(
    "server",
    startTs(
      CHILD,
      ["servers", "--url", url, "--options", JSON.stringify(options), "--names", names.join(",")],
      "ignore",
    ),
  );
  await c.waitEvent("ready", limitMs);
  return c;
}

export interface ClientSettings {
  servers: number;
  calls: number;
  concurrency: number;
  timeoutMs: number;
}

/** A client process; resolves once its transport exists (it then waits for "warm", "go", "exit" on stdin). */
export async function startClientChild(
  url: string,
  options: object,
  s: ClientSettings,
  limitMs: number,
): Promise<RunChild> {
  const args = ["client", "--url", url, "--options", JSON.stringify(options), "--servers", String(s.servers)];
  args.push("--calls", String(s.calls), "--concurrency", String(s.concurrency), "--timeout-ms", String(s.timeoutMs));
  const c = wrap("client", startTs(CHILD, args, "pipe"));
  await c.waitEvent("ready", limitMs);
  return c;
}
