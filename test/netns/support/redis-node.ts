/**
 * A redis-server in its own namespace, bound to that namespace's address (port 6379: the
 * namespace is its own), persisting nothing (no RDB, no AOF, no working files), started
 * again empty after a kill. Ready when it logs "Ready to accept connections": the test
 * process lives in the root namespace and cannot reach the network's addresses, so it
 * reads the server's log instead of pinging it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { REDIS_SERVER_BIN } from "../../support/redis-server.js";
import { trackPid, untrackPid } from "./cleanup.js";
import { epochNow } from "./faults.js";
import { IP_BIN } from "./netns-env.js";
import type { NetNode } from "./network.js";

export const REDIS_PORT = 6379;

export class RedisNode {
  private proc: ChildProcess | undefined;
  private log = "";

  constructor(readonly node: NetNode) {}

  /** The transport URL clients and servers use. */
  get url(): string {
    return `zmq+redis://${this.node.address}:${REDIS_PORT}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the server and resolves once it accepts connections (at most 10 s). */
  async start(): Promise<void> {
    if (this.proc && this.running) throw new Error("redis-server already running");
    this.log = "";
    const args = [
      ...["--port", String(REDIS_PORT), "--bind", this.node.address, "--protected-mode", "no"],
      ...["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice", "--dir", "/"],
    ];
    const proc = spawn(IP_BIN!, ["netns", "exec", this.node.ns, REDIS_SERVER_BIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    trackPid(proc.pid!);
    proc.once("exit", () => untrackPid(proc.pid!));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server not ready in 10 s: ${this.log}`)), 10_000);
      const onData = (d: Buffer): void => {
        this.log = (this.log + d.toString()).slice(-4000);
        if (this.log.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${signal ?? code}): ${this.log}`));
      });
    });
    await ready;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private exited(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((r) => p.once("exit", () => r()));
  }

  /** SIGKILL (everything it held is lost); resolves with the time it was sent, once it is gone. */
  async kill(): Promise<number> {
    const at = epochNow();
    const gone = this.exited();
    this.proc?.kill("SIGKILL");
    await gone;
    return at;
  }

  /** Stops it (SIGTERM after SIGCONT, in case it was frozen). */
  async stop(): Promise<void> {
    if (!this.running) return;
    const gone = this.exited();
    this.proc!.kill("SIGCONT");
    this.proc!.kill("SIGTERM");
    await gone;
  }
}

/**
 * Whether Redis answers PING within `timeoutMs` when asked from `from`'s namespace (bash's
 * /dev/tcp and coreutils' timeout: no client library, no redis-cli).
 */
export function pingFrom(from: NetNode, redis: RedisNode, timeoutMs = 1000): boolean {
  const script = `exec 3<>/dev/tcp/${redis.node.address}/${REDIS_PORT} && printf 'PING\\r\\n' >&3 && head -c 5 <&3`;
  const r = spawnSync(IP_BIN!, ["netns", "exec", from.ns, "timeout", `${timeoutMs / 1000}`, "bash", "-c", script], {
    encoding: "utf8",
    timeout: timeoutMs + 5000,
  });
  return r.status === 0 && r.stdout === "+PONG";
}
