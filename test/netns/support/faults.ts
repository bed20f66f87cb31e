/**
 * Network faults on one node of a NetnsNetwork (process faults, SIGKILL and SIGSTOP/SIGCONT,
 * are on the processes: ns-process.ts, redis-node.ts).
 *
 * - A link cut sets the node's bridge port down (in the hub namespace): the cable is
 *   pulled at the switch. The node's own eth0 stays configured but loses its carrier, so
 *   its TCP connections stay open and simply stop carrying packets (no RST, no FIN), which
 *   is what a partition looks like to both ends. Healing sets the port up again.
 * - Delay and loss are a netem qdisc on the node's eth0: every packet the node sends waits
 *   `delayMs` (so each round trip with it gets that much longer) or is dropped with the
 *   given probability. The kernel must have netem (netemSkipReason()).
 *
 * Every fault dies with the namespaces (teardown), so none can outlive a run.
 */
import { ip, tc } from "./netns-env.js";
import type { NetNode, NetnsNetwork } from "./network.js";

/** The time (performance.timeOrigin + performance.now(): comparable across processes) a fault took effect. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Pulls the node's cable at the bridge; returns when it was pulled. */
export function cutLink(net: NetnsNetwork, node: NetNode): number {
  ip("-n", net.hub, "link", "set", node.hubPort, "down");
  return epochNow();
}

/** Plugs the node's cable back in; returns when. */
export function healLink(net: NetnsNetwork, node: NetNode): number {
  ip("-n", net.hub, "link", "set", node.hubPort, "up");
  return epochNow();
}

/** Whether the node's bridge port is up. */
export function linkIsUp(net: NetnsNetwork, node: NetNode): boolean {
  const [link] = JSON.parse(ip("-n", net.hub, "-j", "link", "show", node.hubPort)) as { flags: string[] }[];
  return link!.flags.includes("UP");
}

export interface Netem {
  delayMs?: number;
  /** Loss probability in percent, 0 to 100. */
  lossPercent?: number;
}

/** Sets (or replaces) a netem qdisc on the node's eth0 egress; returns when it took effect. */
export function setNetem(node: NetNode, netem: Netem): number {
  const args: string[] = [];
  if (netem.delayMs !== undefined) args.push("delay", `${netem.delayMs}ms`);
  if (netem.lossPercent !== undefined) args.push("loss", `${netem.lossPercent}%`);
  if (args.length === 0) throw new Error("setNetem: give delayMs or lossPercent");
  tc("-n", node.ns, "qdisc", "replace", "dev", "eth0", "root", "netem", ...args);
  return epochNow();
}

/** Removes the node's netem qdisc (back to the default); returns when. */
export function clearNetem(node: NetNode): number {
  tc("-n", node.ns, "qdisc", "del", "dev", "eth0", "root");
  return epochNow();
}

/** The root qdisc kind of the node's eth0 ("noqueue" for a veth left alone, "netem" with a fault). */
export function rootQdisc(node: NetNode): string {
  const qdiscs = JSON.parse(tc("-n", node.ns, "-j", "qdisc", "show", "dev", "eth0")) as {
    kind: string;
    root?: boolean;
  }[];
  return qdiscs.find((q) => q.root)?.kind ?? "none";
}
