/**
 * What the root namespace shows of the harness, to prove it leaves nothing behind: the
 * namespaces `ip netns list` knows, the root namespace's links (name and state), its IPv4
 * routes and its qdiscs. Two snapshots taken before and after a test must be equal.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { ip, listNamespaces, TC_BIN } from "./netns-env.js";

export interface HostSnapshot {
  namespaces: string[];
  links: string[];
  routes: string[];
  qdiscs: string[];
}

export function hostSnapshot(): HostSnapshot {
  const links = (JSON.parse(ip("-j", "link", "show")) as { ifname: string; operstate: string }[]).map(
    (l) => `${l.ifname} ${l.operstate}`,
  );
  const routes = ip("-4", "route", "show", "table", "all").trim().split("\n");
  const qdiscs = spawnSync(TC_BIN!, ["qdisc", "show"], { encoding: "utf8" }).stdout.trim().split("\n");
  return { namespaces: listNamespaces().sort(), links: links.sort(), routes: routes.sort(), qdiscs: qdiscs.sort() };
}

/** Whether a process with this pid exists (a zombie counts as gone: it holds no namespace). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The pid of the reaper (cleanup.ts) watching `pid`, if one runs. */
export function reaperOf(pid: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv[0] === "bash" && argv[3] === "netns-reaper" && argv[4] === String(pid)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Polls until `check` holds (namespace teardown finishes asynchronously in the kernel); false after `limitMs`. */
export async function eventually(check: () => boolean, limitMs = 5000): Promise<boolean> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
