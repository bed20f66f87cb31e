/** The socket port contract against zeromq.js over real loopback TCP (src/runtime/node/zmq-socket.ts). */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { ZmqSocketFactory } from "../../src/runtime/node/zmq-socket.js";
import { socketPortContract, type SocketEnv, type StoppableRouter } from "./socket-port.contract.js";
import { socketPortCurveContract } from "./socket-port-curve.contract.js";

const loopback = async (): Promise<SocketEnv> => {
  const sockets = new ZmqSocketFactory();
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  return {
    host: () => ({ sockets, anyPort: "tcp://127.0.0.1:*" }),
    async unusedAddress() {
      // Port 1 is outside the ephemeral range every "tcp://127.0.0.1:*" bind draws from, so
      // no test can be listening there (a port freed by closing a socket could be reused
      // by a parallel test file).
      return "tcp://127.0.0.1:1";
    },
    sleep,
    async close() {
      sockets.close();
    },
    stoppableRouter: routerInChildProcess,
    async blockEventLoop(_h, ms) {
      // Every socket of this test lives in this process: a synchronous spin blocks them all,
      // as a busy handler would, while libzmq's I/O thread goes on.
      const until = performance.now() + ms;
      while (performance.now() < until);
    },
  };
};

socketPortContract("zeromq.js over loopback", loopback);
socketPortCurveContract("zeromq.js over loopback", loopback);

/** A zeromq.js ROUTER in a child Node process (it reads and drops every message), stopped with SIGSTOP. */
async function routerInChildProcess(): Promise<StoppableRouter> {
  const code = [
    'import * as zmq from "zeromq";',
    "const r = new zmq.Router();",
    'await r.bind("tcp://127.0.0.1:*");',
    'process.stdout.write(r.lastEndpoint + "\\n");',
    "for await (const _ of r);",
  ].join("\n");
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  const lines = createInterface({ input: child.stdout });
  const [endpoint] = (await Promise.race([once(lines, "line"), exited.then(() => ["exited"])])) as string[];
  if (!endpoint?.startsWith("tcp://")) throw new Error(`the child ROUTER did not bind: ${endpoint}`);
  return {
    endpoint,
    stop: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    async close() {
      lines.close();
      child.kill("SIGKILL");
      await exited;
    },
  };
}
