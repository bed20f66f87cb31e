/** What a report says about the run that made it: machine, Node.js, date, git revision, options. */
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import type { Meta } from "./types.js";

/** The commit checked out, with "-dirty" when the work tree has changes; null outside a git checkout. */
export function gitRevision(): string | null {
  try {
    const opts = { encoding: "utf8" as const, stdio: ["ignore", "pipe", "ignore"] as ["ignore", "pipe", "ignore"] };
    const rev = execFileSync("git", ["rev-parse", "HEAD"], opts).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], opts).trim() !== "";
    return dirty ? `${rev}-dirty` : rev;
  } catch {
    return null;
  }
}

const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

/** Starts a report's meta; `finish` adds what is known only at the end. */
export function startMeta(options: Record<string, unknown>): { finish(skipped: Meta["skipped"]): Meta } {
  const start = load();
  const date = new Date().toISOString();
  return {
    finish: (skipped) => ({
      node: process.version,
      cpuModel: cpus()[0]?.model ?? "unknown",
      cpus: cpus().length,
      loadAverage: { start, end: load() },
      date,
      gitRevision: gitRevision(),
      options,
      skipped,
    }),
  };
}
