/**
 * A small network of Linux network namespaces: one "hub" namespace holding a bridge (br0),
 * and one namespace per node, joined to the bridge by a veth pair (eth0 in the node,
 * p-<node> on the bridge) and given an address in a private /24. Everything lives inside
 * namespaces the network created: the veth pairs are created from the hub (`ip -n hub`),
 * so the root namespace's interfaces, routes and qdiscs are never touched. A node's only
 * route is its /24: it cannot reach anything else, and nothing else can reach it.
 *
 * Names: `znt-<pid>-<n>-hub` and `znt-<pid>-<n>-<node>` (pid of the creating process, n
 * counts the networks it made), so a later run can tell leftovers of a dead run apart
 * (cleanup.ts). `teardown()` kills what runs in the namespaces and deletes them.
 */
import { cleanupAll, removeNamespace, sweepStale, trackNamespace } from "./cleanup.js";
import { checkSubnet, ip, NAME_PREFIX, SUBNET } from "./netns-env.js";

export interface NetNode {
  readonly name: string;
  /** The node's namespace (for `ip netns exec`). */
  readonly ns: string;
  /** Its IPv4 address in the network's /24. */
  readonly address: string;
  /** The bridge port (in the hub namespace) its cable plugs into. */
  readonly hubPort: string;
}

let networks = 0;

export class NetnsNetwork {
  readonly hub: string;
  readonly nodes = new Map<string, NetNode>();
  private readonly prefix: string;
  private nextHost = 2;
  private tornDown = false;

  private constructor(readonly subnet: string) {
    this.prefix = `${NAME_PREFIX}${process.pid}-${networks++}-`;
    this.hub = `${this.prefix}hub`;
  }

  /** Sweeps leftovers of dead runs, checks the subnet, and creates the hub and its bridge. */
  static create(subnet = SUBNET): NetnsNetwork {
    sweepStale();
    checkSubnet(subnet);
    const net = new NetnsNetwork(subnet);
    trackNamespace(net.hub);
    try {
      ip("netns", "add", net.hub);
      ip("-n", net.hub, "link", "set", "lo", "up");
      ip("-n", net.hub, "link", "add", "name", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0");
      ip("-n", net.hub, "link", "set", "br0", "up");
    } catch (err) {
      net.teardown();
      throw err;
    }
    return net;
  }

  /** The namespaces this network made (hub first). */
  get namespaces(): string[] {
    return [this.hub, ...[...this.nodes.values()].map((n) => n.ns)];
  }

  /** Adds a node: its namespace, loopback up, a veth pair to the bridge, the next free address. */
  addNode(name: string): NetNode {
    if (!/^[a-z0-9]{1,10}$/.test(name)) throw new Error(`node name "${name}": 1-10 lower-case letters or digits`);
    if (this.nodes.has(name)) throw new Error(`node ${name} exists`);
    if (this.tornDown) throw new Error("network torn down");
    if (this.nextHost > 254) throw new Error("the /24 is full");
    const node: NetNode = {
      name,
      ns: `${this.prefix}${name}`,
      address: `${this.subnet}.${this.nextHost++}`,
      hubPort: `p-${name}`,
    };
    trackNamespace(node.ns);
    this.nodes.set(name, node);
    ip("netns", "add", node.ns);
    ip("-n", node.ns, "link", "set", "lo", "up");
    ip("-n", this.hub, "link", "add", "name", node.hubPort, "type", "veth", "peer", "name", "eth0", "netns", node.ns);
    ip("-n", this.hub, "link", "set", node.hubPort, "master", "br0");
    ip("-n", this.hub, "link", "set", node.hubPort, "up");
    ip("-n", node.ns, "addr", "add", `${node.address}/24`, "dev", "eth0");
    ip("-n", node.ns, "link", "set", "eth0", "up");
    return node;
  }

  node(name: string): NetNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Kills every process left in the network's namespaces and deletes them (nodes first, hub last). Idempotent. */
  teardown(): void {
    this.tornDown = true;
    for (const ns of [...this.namespaces].reverse()) removeNamespace(ns);
  }
}

/** For a test's `after` hook when it may not know which networks exist: everything tracked. */
export const teardownAll = cleanupAll;
