/** The socket port contract against zeromq.js over real loopback TCP (src/runtime/node/zmq-socket.ts). */
import { ZmqSocketFactory } from "../../src/runtime/node/zmq-socket.js";
import { socketPortContract, type SocketEnv } from "./socket-port.contract.js";

socketPortContract("zeromq.js over loopback", async (): Promise<SocketEnv> => {
  const sockets = new ZmqSocketFactory();
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  return {
    host: () => ({ sockets, anyPort: "tcp://127.0.0.1:*" }),
    async unusedAddress() {
      const r = sockets.router({});
      const ep = await r.bind("tcp://127.0.0.1:*");
      r.close();
      await sleep(20);
      return ep;
    },
    sleep,
    async close() {
      sockets.close();
    },
  };
});
