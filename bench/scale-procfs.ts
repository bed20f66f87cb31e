/**
 * What the scale benchmark (bench/scale.ts) counts about the processes of a run, from
 * Linux's /proc: the established TCP connections among them, their file descriptors and
 * their resident memory.
 *
 * A connection on loopback appears twice in /proc/net/tcp (one row per end, each with the
 * inode of its socket); a socket belongs to a process when one of its /proc/<pid>/fd links
 * reads `socket:[<inode>]`. A connection counts when at least one of its ends belongs to a
 * process of the run, once however many of its ends do. CPU time comes from
 * /proc/<pid>/stat (`cpuSample`). The parsing and the tally are pure (`parseProcNetTcp`,
 * `tallyConnections`, `rssBytes`, `cpuMs`); `snapshot` reads /proc.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** One row of /proc/net/tcp or /proc/net/tcp6. */
export interface TcpRow {
  /** "address:port" of this end, the address as the kernel prints it (hex). */
  local: string;
  remote: string;
  localPort: number;
  remotePort: number;
  /** The kernel's state number: 1 is ESTABLISHED, 10 LISTEN. */
  state: number;
  inode: number;
}

export const TCP_ESTABLISHED = 1;

/** The rows of a /proc/net/tcp or tcp6 text (its header line skipped, malformed lines too). */
export function parseProcNetTcp(text: string): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [local, remote, st, inode] = [f[1]!, f[2]!, f[3]!, f[9]!];
    const lp = local.lastIndexOf(":");
    const rp = remote.lastIndexOf(":");
    if (lp < 0 || rp < 0) continue;
    rows.push({
      local,
      remote,
      localPort: Number.parseInt(local.slice(lp + 1), 16),
      remotePort: Number.parseInt(remote.slice(rp + 1), 16),
      state: Number.parseInt(st, 16),
      inode: Number(inode),
    });
  }
  return rows;
}

/** The socket inodes among the names of a process's fd links (`socket:[123]`). */
export function socketInodes(links: readonly string[]): number[] {
  const out: number[] = [];
  for (const l of links) {
    const m = /^socket:\[(\d+)\]$/.exec(l);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

export interface ConnectionTally {
  /** Established connections with at least one end in the run. */
  total: number;
  /** Of those, the ones with an end on `specialPort` (Redis). */
  toSpecialPort: number;
  /** Per owner (a key of the inode map): how many established ends it holds. */
  endsByOwner: Map<string, number>;
}

/**
 * Counts the established connections among `rows` with at least one end whose inode is in
 * `owners` (inode → owner name); `specialPort` (Redis) is counted apart as well.
 */
export function tallyConnections(
  rows: readonly TcpRow[],
  owners: ReadonlyMap<number, string>,
  specialPort?: number,
): ConnectionTally {
  const seen = new Set<string>();
  const endsByOwner = new Map<string, number>();
  let toSpecialPort = 0;
  for (const r of rows) {
    if (r.state !== TCP_ESTABLISHED) continue;
    const owner = owners.get(r.inode);
    if (owner === undefined) continue;
    endsByOwner.set(owner, (endsByOwner.get(owner) ?? 0) + 1);
    const key = r.local < r.remote ? `${r.local}|${r.remote}` : `${r.remote}|${r.local}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (specialPort !== undefined && (r.localPort === specialPort || r.remotePort === specialPort)) toSpecialPort++;
  }
  return { total: seen.size, toSpecialPort, endsByOwner };
}

/** What one process of the run holds. */
export interface ProcessFigures {
  pid: number;
  fds: number;
  sockets: number;
  rssBytes: number;
}

/** The fd link targets of `pid` (links that vanish while being read are skipped). */
function fdLinks(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  const out: string[] = [];
  for (const fd of readdirSync(dir)) {
    try {
      out.push(readlinkSync(`${dir}/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** VmRSS of `pid` in bytes (0 when the kernel does not say). */
export function rssBytes(statusText: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** User + system CPU time in ms from the text of /proc/<pid>/stat (fields 14 and 15, after the command name). */
export function cpuMs(statText: string): number {
  const f = statText.slice(statText.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU time used so far by `pids` (pid → owner name), summed per owner, in ms. Only the stat
 * files are read, so two samples are as far apart as the caller waited between them.
 */
export function cpuSample(pids: ReadonlyMap<number, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pid, name] of pids)
    out.set(name, (out.get(name) ?? 0) + cpuMs(readFileSync(`/proc/${pid}/stat`, "utf8")));
  return out;
}

export interface Snapshot {
  processes: Map<number, ProcessFigures>;
  connections: ConnectionTally;
}

/**
 * Reads /proc for `pids` (pid → owner name for the per-owner ends; several pids may share
 * a name) and the connection table of this network namespace.
 */
export function snapshot(pids: ReadonlyMap<number, string>, specialPort?: number): Snapshot {
  const owners = new Map<number, string>();
  const processes = new Map<number, ProcessFigures>();
  for (const [pid, name] of pids) {
    const links = fdLinks(pid);
    const inodes = socketInodes(links);
    for (const i of inodes) owners.set(i, name);
    processes.set(pid, {
      pid,
      fds: links.length,
      sockets: inodes.length,
      rssBytes: rssBytes(readFileSync(`/proc/${pid}/status`, "utf8")),
    });
  }
  const rows = ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((f) => {
    try {
      return parseProcNetTcp(readFileSync(f, "utf8"));
    } catch {
      return [];
    }
  });
  return { processes, connections: tallyConnections(rows, owners, specialPort) };
}
