/**
 * A private RabbitMQ node for the benchmark: `rabbitmq-server` started with its own
 * temporary directories (HOME for the Erlang cookie, Mnesia, logs), its own node name, and
 * free loopback ports for AMQP, Erlang distribution and epmd, with no plugins; epmd is
 * started by us (not as a daemon) so that stopping the node leaves nothing behind.
 * Everything is stopped and the directories removed by `stop()`, also when the start fails.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupOnExit, findBinary, freePort, isExecutable, startChild, stopChild, waitForPort } from "./processes.js";

const START_LIMIT_MS = 60_000;

export interface RabbitNode {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * The node's start script. Debian's /usr/sbin/rabbitmq-server is a wrapper that, as root,
 * switches to the rabbitmq user and its fixed directories; the script beside the
 * distribution's other scripts runs as we are, with the directories we give.
 */
function serverScript(): string | undefined {
  const onPath = findBinary("rabbitmq-server");
  if (!onPath) return undefined;
  const direct = "/usr/lib/rabbitmq/bin/rabbitmq-server";
  return isExecutable(direct) ? direct : onPath;
}

export function rabbitSkipReason(): string | undefined {
  if (!findBinary("rabbitmq-server")) return "rabbitmq-server is not on the PATH (apt-get install rabbitmq-server)";
  if (!findBinary("epmd")) return "epmd (Erlang) is not on the PATH";
  return undefined;
}

export async function startRabbitNode(): Promise<RabbitNode> {
  const script = serverScript();
  const epmdBin = findBinary("epmd");
  if (!script || !epmdBin) throw new Error(rabbitSkipReason());
  const dir = mkdtempSync(join(tmpdir(), "zmq-rpc-bench-rabbit-"));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const atExit = cleanupOnExit(removeDir);
  const stop = async (): Promise<void> => {
    for (const c of children.reverse()) await stopChild(c);
    removeDir();
    atExit.cancel();
  };
  try {
    for (const sub of ["home", "mnesia", "log"]) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, "enabled_plugins"), "[].\n");
    const epmd = startChild(epmdBin, ["-port", String(epmdPort), "-address", "127.0.0.1"]);
    children.push(epmd);
    await waitForPort(epmdPort, 10_000, epmd);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: join(dir, "home"),
      RABBITMQ_NODENAME: `bench${process.pid}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      ERL_EPMD_PORT: String(epmdPort),
      ERL_EPMD_ADDRESS: "127.0.0.1",
      RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
      RABBITMQ_LOG_BASE: join(dir, "log"),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
      RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq"),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, "advanced.config"),
      RABBITMQ_PID_FILE: join(dir, "pid"),
      RABBITMQ_LOGS: "-",
      ERL_CRASH_DUMP: join(dir, "erl_crash.dump"),
    };
    const node = startChild(script, [], env);
    children.push(node);
    await waitForPort(port, START_LIMIT_MS, node);
    return { port, stop };
  } catch (err) {
    const log = children.map((c) => (c as ChildProcess & { log: () => string }).log()).join("\n");
    await stop();
    throw new Error(`rabbitmq-server did not start: ${(err as Error).message}\n${log.slice(-1500)}`);
  }
}
