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
import { socketPortContract, type ContractHost, type SocketEnv } from "./socket-port.contract.js";
import { socketPortCurveContract } from "./socket-port-curve.contract.js";

const simulated = async (): Promise<SocketEnv> => {
  const scheduler = new Scheduler();
  const trace = new Trace(() => scheduler.nowUs);
  const net = new SimNetwork(scheduler, trace, Prng.derive(1, "net"));
  const runner = new AutoRunner(scheduler);
  runner.start();
  const spare = net.addHost();
  const procs = new WeakMap<ContractHost, HostProcess>();
  const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => scheduler.after(ms * 1000, resolve));
  const host = (): ContractHost & { proc: HostProcess } => {
    const h = net.addHost();
    const proc = new HostProcess(h.index, 0, net, scheduler, trace, IDEAL_TIME, 1);
    const c = { sockets: proc.sockets, anyPort: `tcp://${h.ip}:*`, proc };
    procs.set(c, proc);
    return c;
  };
  return {
    host,
    unusedAddress: async () => `tcp://${spare.ip}:5555`,
    sleep,
    close: () => runner.stop(),
    // A stopped process is a frozen one: paused, and its I/O thread stopped too.
    async stoppableRouter() {
      const { proc, sockets, anyPort } = host();
      const router = sockets.router({});
      const endpoint = await router.bind(anyPort);
      return {
        endpoint,
        stop: () => proc.freeze(),
        resume: () => proc.thaw(),
        close: async () => router.close(),
      };
    },
    // A blocked event loop is a paused process.
    async blockEventLoop(h, ms) {
      const proc = procs.get(h)!;
      proc.pause();
      await sleep(ms);
      proc.resume();
    },
  };
};

socketPortContract("simulated sockets", simulated);
socketPortCurveContract("simulated sockets", simulated);
