/**
 * Runs `node --import tsx <script> <args...>` inside a node's namespace (`ip netns exec`,
 * which execs node in place: the child's pid is node's, so signals reach it directly), and
 * talks to it in JSON lines: every line it prints on stdout is an event, kept until a
 * test takes it; `send` writes a command line on its stdin; `request` sends a command with
 * a fresh "req" id and resolves with the {"event":"result","req":id} line that answers it.
 *
 * Process faults: `kill()` (SIGKILL), `pause()` (SIGSTOP) and `resume()` (SIGCONT) resolve
 * once the kernel reports the new state. The process is tracked by cleanup.ts, so it never
 * outlives the run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { trackPid, untrackPid } from "./cleanup.js";
import { IP_BIN } from "./netns-env.js";
import { epochNow } from "./faults.js";

export type Event = Record<string, unknown> & { event: string };

/** The state letter of /proc/<pid>/stat ("T": stopped), undefined once the process is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

async function untilState(pid: number, what: string, done: (s: string | undefined) => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (done(procState(pid))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${pid} did not become ${what} (state ${procState(pid)})`);
}

let nextReq = 0;

export class NsProcess {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | string>;
  private readonly events: Event[] = [];
  private readonly waiters: { match: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  private stderrTail = "";

  constructor(
    readonly label: string,
    ns: string,
    script: string,
    args: readonly string[],
  ) {
    this.proc = spawn(IP_BIN!, ["netns", "exec", ns, process.execPath, "--import", "tsx", script, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const pid = this.proc.pid!;
    trackPid(pid);
    this.exited = new Promise((resolve) =>
      this.proc.once("exit", (code, signal) => {
        untrackPid(pid);
        resolve(signal ?? code ?? -1);
      }),
    );
    this.proc.stdin!.on("error", () => undefined); // writes to a killed child
    this.proc.stderr!.on("data", (d) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)));
    let buf = "";
    this.proc.stdout!.on("data", (d) => {
      buf += d.toString();
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let e: Event;
        try {
          e = JSON.parse(line);
        } catch {
          continue;
        }
        const w = this.waiters.findIndex((x) => x.match(e));
        if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(e);
        else this.events.push(e);
      }
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first event (kept or coming) that `match` accepts; rejects if the process exits first or after `timeoutMs`. */
  next(match: string | ((e: Event) => boolean), timeoutMs = 60_000): Promise<Event> {
    const m = typeof match === "string" ? (e: Event) => e.event === match : match;
    const kept = this.events.findIndex(m);
    if (kept >= 0) return Promise.resolve(this.events.splice(kept, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`no matching event within ${timeoutMs} ms`), timeoutMs);
      const waiter = {
        match: m,
        resolve: (e: Event) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const fail = (why: string): void => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(new Error(`${this.label}: ${why}; stderr: ${this.stderrTail}`));
      };
      this.waiters.push(waiter);
      void this.exited.then((how) => fail(`exited (${how})`));
    });
  }

  send(command: Record<string, unknown>): void {
    this.proc.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Sends `command` with a fresh "req" id; resolves with the answering result event. */
  request(command: Record<string, unknown>, timeoutMs = 60_000): Promise<Event> {
    const req = `r${nextReq++}`;
    const answer = this.next((e) => e.event === "result" && e.req === req, timeoutMs);
    this.send({ ...command, req });
    return answer;
  }

  /** SIGKILL; resolves with the time it was sent, once the process is gone. */
  async kill(): Promise<number> {
    const at = epochNow();
    if (this.alive) {
      this.proc.kill("SIGKILL");
      await this.exited;
    }
    return at;
  }

  /** SIGSTOP; resolves with the time it was sent, once the kernel reports the process stopped. */
  async pause(): Promise<number> {
    const at = epochNow();
    this.proc.kill("SIGSTOP");
    await untilState(this.pid, "stopped", (s) => s === "T" || s === undefined);
    return at;
  }

  /** SIGCONT; resolves with the time it was sent, once it runs again. A no-op for a process that is gone. */
  async resume(): Promise<number> {
    const at = epochNow();
    if (!this.alive) return at;
    this.proc.kill("SIGCONT");
    await untilState(this.pid, "running", (s) => s !== "T");
    return at;
  }
}
