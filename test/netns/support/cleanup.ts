/**
 * Everything the harness creates is removed, also when a test fails, throws, or the run is
 * interrupted: the processes it started (SIGKILL, after SIGCONT for stopped ones) and the
 * namespaces (each namespace's remaining processes are killed first, then `ip netns del`
 * removes it with its veth ends, bridge and qdiscs). In three ways:
 *
 * - In process, synchronously, from `process.on("exit")` and from SIGINT, SIGTERM and
 *   SIGHUP handlers, and from each test's teardown.
 * - By a reaper: a small bash process started with the first namespace, in its own session
 *   (so Ctrl-C's SIGINT to the process group does not reach it), that waits for this
 *   process to end however it ends (a signal while it is blocked in a long `ip` call, an
 *   exit the handlers never see, SIGKILL) and then removes every namespace named after it.
 * - By the next run: every `NetnsNetwork.create()` sweeps the namespaces named
 *   `znt-<pid>-...` whose pid is no longer a live node process (for a reaper that was
 *   killed too).
 */
import { readFileSync } from "node:fs";
import { ipQuiet, listNamespaces, NAME_PREFIX, IP_BIN } from "./netns-env.js";
import { spawn, spawnSync } from "node:child_process";

const namespaces = new Set<string>();
const pids = new Set<number>();

export function trackNamespace(ns: string): void {
  installHandlers();
  namespaces.add(ns);
}

export function untrackNamespace(ns: string): void {
  namespaces.delete(ns);
}

export function trackPid(pid: number): void {
  installHandlers();
  pids.add(pid);
}

export function untrackPid(pid: number): void {
  pids.delete(pid);
}

function killQuiet(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The pids of the processes inside `ns` (`ip netns pids`). */
export function pidsIn(ns: string): number[] {
  const r = spawnSync(IP_BIN!, ["netns", "pids", ns], { encoding: "utf8", timeout: 20_000 });
  return r.status === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Kills every process in `ns` and deletes it. */
export function removeNamespace(ns: string): void {
  for (const pid of pidsIn(ns)) {
    killQuiet(pid, "SIGKILL");
    killQuiet(pid, "SIGCONT");
  }
  ipQuiet("netns", "del", ns);
  namespaces.delete(ns);
}

/** Kills every tracked process and removes every tracked namespace. Synchronous; safe to call twice. */
export function cleanupAll(): void {
  for (const pid of pids) {
    killQuiet(pid, "SIGKILL");
    killQuiet(pid, "SIGCONT");
  }
  pids.clear();
  for (const ns of [...namespaces].reverse()) removeNamespace(ns);
}

/** Whether `pid` is a live node process (the owner of a namespace named after it); a zombie is not. */
function ownerAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") return false;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("node");
  } catch {
    return false;
  }
}

/** Removes the namespaces of earlier runs whose process is gone; returns their names. */
export function sweepStale(): string[] {
  const stale = listNamespaces().filter((ns) => {
    const m = new RegExp(`^${NAME_PREFIX}(\\d+)-`).exec(ns);
    return m !== null && Number(m[1]) !== process.pid && !ownerAlive(Number(m[1]));
  });
  for (const ns of stale) removeNamespace(ns);
  if (stale.length > 0)
    console.log(`# removed ${stale.length} namespace(s) left by an earlier run: ${stale.join(" ")}`);
  return stale;
}

/**
 * The reaper's script: $1 the pid to watch, $2 the ip binary, $3 the namespace prefix. A
 * zombie counts as gone (an orphaned zombie may never be reaped on a machine whose init
 * does not reap).
 */
const REAPER = `
alive() { [ -r /proc/$1/stat ] && [ "$(sed 's/.*) //' /proc/$1/stat | cut -d' ' -f1)" != Z ]; }
while alive "$1"; do sleep 0.2; done
for ns in $("$2" netns list | cut -d' ' -f1 | grep "^$3"); do
  for p in $("$2" netns pids "$ns"); do kill -9 "$p"; done
  "$2" netns del "$ns"
done`;

function startReaper(): void {
  const prefix = `${NAME_PREFIX}${process.pid}-`;
  spawn("bash", ["-c", REAPER, "netns-reaper", String(process.pid), IP_BIN!, prefix], {
    detached: true,
    stdio: "ignore",
  }).unref();
}

let installed = false;
function installHandlers(): void {
  if (installed) return;
  installed = true;
  startReaper();
  process.on("exit", cleanupAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanupAll();
      // Die of the same signal, as if no handler had been installed.
      process.kill(process.pid, signal);
    });
  }
}
