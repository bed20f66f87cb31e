/** The socket port contract against zeromq.js over real loopback TCP (src/runtime/node/zmq-socket.ts). */
import { ZmqSocketFactory } from "../../src/runtime/node/zmq-socket.js";
import { socketPortContract, type SocketEnv } from "./socket-port.contract.js";

socketPortContract("zeromq.js over loopback", async (): Promise<SocketEnv> => {
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
  };
});
