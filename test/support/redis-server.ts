/**
 * Real redis-server processes for tests: started from /usr/bin on a free loopback port in a
 * fresh temp directory, stopped (and the directory removed) afterwards. Also starts a
 * replica and a Sentinel (`redis-server <conf> --sentinel`) for the failover test, and
 * servers with a password, ACL users (`config` lines) or TLS only (`tls`, certificates
 * from tls-certs.ts).
 *
 * When the binary is absent, `redisSkipReason()` returns a printed reason and the suites
 * skip; nothing else is ever skipped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server";

/** Servers still running; killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

let reasonPrinted = false;
/** Why Redis tests cannot run here, or undefined when they can. Prints the reason once. */
export function redisSkipReason(): string | undefined {
  if (existsSync(REDIS_SERVER_BIN)) return undefined;
  const reason = `${REDIS_SERVER_BIN} not found (install the redis-server package); Redis matchmaker tests skipped`;
  if (!reasonPrinted) {
    reasonPrinted = true;
    console.log(`# SKIP: ${reason}`);
  }
  return reason;
}

/** A free TCP port on 127.0.0.1 (bound then released; good enough on a loopback-only box). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** TLS files of a TLS-only server (paths, as redis.conf takes them). */
export interface RedisTlsFiles {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Sends one inline command and returns the first reply line (enough for PING/SHUTDOWN). */
function probe(port: number, command: string, tls?: RedisTlsFiles): Promise<string> {
  return new Promise((resolve, reject) => {
    const send = (): void => void s.write(`${command}\r\n`);
    const s = tls
      ? tlsConnect(
          {
            host: "127.0.0.1",
            port,
            ca: readFileSync(tls.ca),
            cert: readFileSync(tls.clientCert),
            key: readFileSync(tls.clientKey),
          },
          send,
        )
      : new Socket().connect(port, "127.0.0.1", send);
    let buf = "";
    s.setTimeout(1000, () => s.destroy(new Error("probe timeout")));
    s.once("error", reject);
    s.on("data", (d) => {
      buf += d.toString();
      const i = buf.indexOf("\r\n");
      if (i >= 0) {
        s.destroy();
        resolve(buf.slice(0, i));
      }
    });
  });
}

async function waitForPing(
  port: number,
  proc: ChildProcess,
  output: () => string,
  tls: RedisTlsFiles | undefined,
  limitMs = 20_000,
): Promise<void> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${proc.exitCode}: ${output()}`);
    try {
      // A server with a password answers NOAUTH: it is up all the same.
      if (/^(\+PONG|-NOAUTH)/.test(await probe(port, "PING", tls))) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on ${port} did not answer PING within ${limitMs} ms: ${output()}`);
}

export interface RedisProcess {
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  readonly pid: number | undefined;
  /** Kills the process (SIGKILL) and waits for it to exit; data in memory is lost. */
  kill(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open but nothing is answered. */
  pause(): void;
  resume(): void;
  /** Starts a fresh, empty server on the same port (after kill). */
  restart(): Promise<void>;
  /** Stops the process and removes its directory. */
  stop(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  /** Extra config lines, e.g. ["replicaof 127.0.0.1 6379"]. */
  config?: string[];
  /** Start as a Sentinel (`--sentinel`); the config file must then be writable. */
  sentinel?: boolean;
  dir?: string;
  /** `requirepass` (the default user's password). */
  password?: string;
  /** TLS only: `port 0`, `tls-port` the port; clients must present a certificate when `authClients`. */
  tls?: RedisTlsFiles & { authClients?: boolean };
  /** How long to wait for the server to answer PING (+PONG or -NOAUTH) before the start fails (and the process is killed); default 20 s. */
  readyTimeoutMs?: number;
}

export async function startRedis(opts: StartOptions = {}): Promise<RedisProcess> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "zmq-mm-redis-"));
  const ownsDir = opts.dir === undefined;
  let proc: ChildProcess;
  let out = "";
  const launch = async (): Promise<void> => {
    const conf = join(dir, opts.sentinel ? `sentinel-${port}.conf` : `redis-${port}.conf`);
    const t = opts.tls;
    const lines = [
      ...(t
        ? [
            "port 0",
            `tls-port ${port}`,
            `tls-cert-file ${t.serverCert}`,
            `tls-key-file ${t.serverKey}`,
            `tls-ca-cert-file ${t.ca}`,
            `tls-auth-clients ${t.authClients ? "yes" : "no"}`,
            // What a Sentinel or replica uses towards this server.
            "tls-replication yes",
            `tls-client-cert-file ${t.clientCert}`,
            `tls-client-key-file ${t.clientKey}`,
          ]
        : [`port ${port}`]),
      ...(opts.password !== undefined ? [`requirepass ${JSON.stringify(opts.password)}`] : []),
      "bind 127.0.0.1",
      `dir ${dir}`,
      'save ""',
      "appendonly no",
      "daemonize no",
      "protected-mode no",
      "loglevel warning",
      ...(opts.config ?? []),
    ];
    writeFileSync(conf, `${lines.join("\n")}\n`);
    out = "";
    proc = spawn(REDIS_SERVER_BIN, opts.sentinel ? [conf, "--sentinel"] : [conf], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const p = proc;
    running.add(p);
    p.once("exit", () => running.delete(p));
    proc.stdout!.on("data", (d) => (out = (out + d.toString()).slice(-4000)));
    proc.stderr!.on("data", (d) => (out = (out + d.toString()).slice(-4000)));
    proc.once("error", (err) => (out += `\n${err.message}`));
    try {
      await waitForPing(port, proc, () => out, opts.tls, opts.readyTimeoutMs);
    } catch (err) {
      // A server that runs but never answered as expected must not outlive the failed start.
      const done = exited();
      proc.kill("SIGKILL");
      await done;
      throw err;
    }
  };
  const exited = (): Promise<void> =>
    proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined
      ? Promise.resolve()
      : new Promise((r) => proc.once("exit", () => r()));
  try {
    await launch();
  } catch (err) {
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    dir,
    url: `${opts.tls ? "zmq+rediss" : "zmq+redis"}://127.0.0.1:${port}`,
    get pid() {
      return proc.pid;
    },
    async kill() {
      const done = exited();
      proc.kill("SIGKILL");
      await done;
    },
    pause() {
      proc.kill("SIGSTOP");
    },
    resume() {
      proc.kill("SIGCONT");
    },
    async restart() {
      await launch();
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = exited();
        proc.kill("SIGCONT");
        proc.kill("SIGTERM");
        await done;
      }
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SentinelSetup {
  master: RedisProcess;
  replica: RedisProcess;
  sentinel: RedisProcess;
  masterName: string;
  url: string;
  stop(): Promise<void>;
}

/** A master, one replica and one Sentinel (quorum 1, down-after 1000 ms) in one temp dir. */
export async function startSentinelSetup(masterName = "mm-test"): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), "zmq-mm-sentinel-"));
  const master = await startRedis({ dir });
  const replica = await startRedis({ dir, config: [`replicaof 127.0.0.1 ${master.port}`, "replica-priority 100"] });
  const sentinel = await startRedis({
    dir,
    sentinel: true,
    config: [
      `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${masterName} 1000`,
      `sentinel failover-timeout ${masterName} 5000`,
      `sentinel parallel-syncs ${masterName} 1`,
    ],
  });
  return {
    master,
    replica,
    sentinel,
    masterName,
    url: `zmq+sentinel://127.0.0.1:${sentinel.port}/${masterName}`,
    async stop() {
      await Promise.all([sentinel.stop(), replica.stop(), master.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
