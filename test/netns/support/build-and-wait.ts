/**
 * For test/netns/harness.test.ts: builds a network of two nodes, runs a redis-server in one
 * and a copy of this script with the argument "idle" in the other, prints {"event":"ready",
 * namespaces, pids} and then waits to be interrupted. The test signals it (SIGINT, SIGTERM:
 * the harness must clean up on its own; SIGKILL: the next run's sweep must) and checks what
 * is left. With "idle" it only prints {"event":"ready"} and waits.
 */
import { fileURLToPath } from "node:url";

const waitForever = (): void => void setInterval(() => undefined, 1 << 30);

if (process.argv[2] === "idle") {
  process.stdout.write(`${JSON.stringify({ event: "ready", pid: process.pid })}\n`);
  waitForever();
} else {
  const { NetnsNetwork } = await import("./network.js");
  const { NsProcess } = await import("./ns-process.js");
  const { RedisNode } = await import("./redis-node.js");
  const net = NetnsNetwork.create();
  const redis = new RedisNode(net.addNode("redis"));
  await redis.start();
  const idle = new NsProcess("idle", net.addNode("idle").ns, fileURLToPath(import.meta.url), ["idle"]);
  await idle.next("ready");
  process.stdout.write(
    `${JSON.stringify({ event: "ready", namespaces: net.namespaces, pids: [redis.pid, idle.pid] })}\n`,
  );
  waitForever();
}
