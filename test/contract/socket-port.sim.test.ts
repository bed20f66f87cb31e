/**
 * The socket port contract against the simulated sockets (sim/net/), in virtual time: a
 * scheduler in auto-run mode advances time while the suite awaits. Each host() is a new
 * simulated host with its own address, as distinct machines would be.
 */
import { AutoRunner } from "../../sim/auto-run.js";
import { IDEAL_TIME } from "../../sim/host-clock.js";
import { HostProcess } from "../../sim/host-process.js";
import { SimNetwork } from "../../sim/net/network.js";
import { Prng } from "../../sim/prng.js";
import { Scheduler } from "../../sim/scheduler.js";
import { Trace } from "../../sim/trace.js";
import { socketPortContract, type SocketEnv } from "./socket-port.contract.js";

socketPortContract("simulated sockets", async (): Promise<SocketEnv> => {
  const scheduler = new Scheduler();
  const trace = new Trace(() => scheduler.nowUs);
  const net = new SimNetwork(scheduler, trace, Prng.derive(1, "net"));
  const runner = new AutoRunner(scheduler);
  runner.start();
  const spare = net.addHost();
  return {
    host() {
      const h = net.addHost();
      const proc = new HostProcess(h.index, 0, net, scheduler, trace, IDEAL_TIME, 1);
      return { sockets: proc.sockets, anyPort: `tcp://${h.ip}:*` };
    },
    unusedAddress: async () => `tcp://${spare.ip}:5555`,
    sleep: (ms) => new Promise<void>((resolve) => scheduler.after(ms * 1000, resolve)),
    close: () => runner.stop(),
  };
});
