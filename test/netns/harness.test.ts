/**
 * Goal: the network-namespace harness (test/netns/support/) builds what it says and leaves
 * nothing behind:
 * - each node has its own namespace with lo and eth0, one address in the private /24 and
 *   no route but that /24 (it cannot reach anything else);
 * - nodes reach each other across the bridge; a link cut stops that and healing restores it;
 * - netem adds and removes a qdisc on the node's eth0 (where the kernel has netem);
 * - teardown, an interrupted run (SIGINT, SIGTERM), a SIGKILLed run's reaper, and the next
 *   run's sweep when the reaper was killed too all leave `ip netns list`, the root
 *   namespace's links, routes and qdiscs exactly as they were, and no process they started.
 * Method: real namespaces (needs root); a redis-server as the thing to reach, asked PING
 * with bash's /dev/tcp from another namespace; build-and-wait.ts as the run to interrupt.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { pidsIn, sweepStale } from "./support/cleanup.js";
import { clearNetem, cutLink, healLink, linkIsUp, rootQdisc, setNetem } from "./support/faults.js";
import { eventually, hostSnapshot, pidAlive, reaperOf, type HostSnapshot } from "./support/host-snapshot.js";
import { ip, listNamespaces, netemSkipReason, netnsSkipReason, SUBNET } from "./support/netns-env.js";
import { NetnsNetwork } from "./support/network.js";
import { NsProcess } from "./support/ns-process.js";
import { pingFrom, RedisNode } from "./support/redis-node.js";

const BUILD_AND_WAIT = fileURLToPath(new URL("./support/build-and-wait.ts", import.meta.url));

describe("network-namespace harness", { skip: netnsSkipReason() ?? false, timeout: 120_000 }, () => {
  let initial: HostSnapshot;
  let net: NetnsNetwork;
  let redis: RedisNode;

  before(async () => {
    sweepStale();
    initial = hostSnapshot();
    net = NetnsNetwork.create();
    for (const n of ["redis", "a", "b"]) net.addNode(n);
    redis = new RedisNode(net.node("redis"));
    await redis.start();
  });
  after(() => net?.teardown());

  test("each node has its own namespace with lo and eth0, one address in the /24, and only the /24's route", () => {
    for (const node of net.nodes.values()) {
      const links = (JSON.parse(ip("-n", node.ns, "-j", "link", "show")) as { ifname: string }[]).map((l) => l.ifname);
      assert.deepEqual(links.sort(), ["eth0", "lo"], `${node.name}'s links`);
      const addrs = JSON.parse(ip("-n", node.ns, "-4", "-j", "addr", "show", "dev", "eth0")) as {
        addr_info: { local: string; prefixlen: number }[];
      }[];
      assert.deepEqual(
        addrs[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`),
        [`${node.address}/24`],
      );
      assert.ok(node.address.startsWith(`${SUBNET}.`));
      const routes = (JSON.parse(ip("-n", node.ns, "-4", "-j", "route", "show")) as { dst: string }[]).map(
        (r) => r.dst,
      );
      assert.deepEqual(routes, [`${SUBNET}.0/24`], `${node.name} has no default route`);
      assert.throws(() => ip("-n", node.ns, "route", "get", "192.0.2.1"), /unreachable/i);
    }
  });

  test("nodes reach each other across the bridge; a cut link stops that and a healed one restores it", () => {
    const a = net.node("a");
    const b = net.node("b");
    assert.ok(pingFrom(a, redis), "a reaches redis");
    assert.ok(pingFrom(b, redis), "b reaches redis");
    cutLink(net, a);
    assert.equal(linkIsUp(net, a), false);
    assert.equal(pingFrom(a, redis, 500), false, "a cut off");
    assert.ok(pingFrom(b, redis), "b still reaches redis");
    healLink(net, a);
    assert.ok(linkIsUp(net, a));
    assert.ok(pingFrom(a, redis, 3000), "a reaches redis again");
  });

  test("netem sets a qdisc on a node's eth0 and clearing it restores the default", {
    skip: netemSkipReason() ?? false,
  }, () => {
    const a = net.node("a");
    assert.equal(rootQdisc(a), "noqueue");
    setNetem(a, { delayMs: 50 });
    assert.equal(rootQdisc(a), "netem");
    setNetem(a, { lossPercent: 10 });
    assert.equal(rootQdisc(a), "netem");
    clearNetem(a);
    assert.equal(rootQdisc(a), "noqueue");
  });

  test("teardown kills what runs in the namespaces and leaves the root namespace as it was", async (t) => {
    const own = NetnsNetwork.create();
    const r = new RedisNode(own.addNode("r"));
    await r.start();
    const idle = new NsProcess("idle", own.addNode("i").ns, BUILD_AND_WAIT, ["idle"]);
    await idle.next("ready");
    const pids = [r.pid!, idle.pid];
    const during = hostSnapshot();
    t.diagnostic(`namespaces during: ${during.namespaces.join(" ")}`);
    assert.ok(own.namespaces.every((ns) => during.namespaces.includes(ns)));
    assert.deepEqual(during.links, initial.links, "nothing was created in the root namespace");
    own.teardown();
    assert.ok(await eventually(() => pids.every((p) => !pidAlive(p))), "processes killed");
    assert.deepEqual(
      hostSnapshot().namespaces,
      [...initial.namespaces, ...net.namespaces].sort(),
      "only the suite's own network is left",
    );
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`a run interrupted with ${signal} removes its namespaces and processes itself (its handlers, not its reaper)`, async () => {
      // Its reaper is killed first: only its own handlers can clean up.
      const { namespaces, pids } = await runToInterrupt(signal, { killReaperFirst: true });
      assert.ok(await eventually(() => pids.every((p) => !pidAlive(p))), "its processes are gone");
      assert.deepEqual(
        listNamespaces().filter((ns) => namespaces.includes(ns)),
        [],
        "its namespaces are gone",
      );
    });
  }

  test("a run killed with SIGKILL is cleaned up by its reaper", async () => {
    const { namespaces, pids } = await runToInterrupt("SIGKILL");
    assert.ok(
      await eventually(() => listNamespaces().filter((ns) => namespaces.includes(ns)).length === 0),
      "its namespaces are gone",
    );
    assert.ok(await eventually(() => pids.every((p) => !pidAlive(p))), "its processes are gone");
  });

  test("a run killed with SIGKILL after its reaper leaves namespaces and processes; the next run's sweep removes them", async () => {
    const { namespaces, pids } = await runToInterrupt("SIGKILL", { killReaperFirst: true });
    await new Promise((r) => setTimeout(r, 500)); // nothing is left to remove them: they stay
    assert.deepEqual(
      listNamespaces()
        .filter((ns) => namespaces.includes(ns))
        .sort(),
      [...namespaces].sort(),
      "left behind",
    );
    assert.ok(pidsIn(namespaces.find((ns) => ns.endsWith("-redis"))!).length > 0, "redis still runs in its namespace");
    const swept = sweepStale();
    assert.deepEqual(swept.sort(), [...namespaces].sort());
    assert.ok(await eventually(() => pids.every((p) => !pidAlive(p))), "its processes are gone");
    assert.deepEqual(
      listNamespaces().filter((ns) => namespaces.includes(ns)),
      [],
    );
  });

  test("after everything, the root namespace's namespaces, links, routes and qdiscs are as before", async (t) => {
    net.teardown();
    const final = hostSnapshot();
    t.diagnostic(`before: ${JSON.stringify(initial)}`);
    t.diagnostic(`after:  ${JSON.stringify(final)}`);
    assert.deepEqual(final, initial);
  });
});

/**
 * Starts build-and-wait.ts, waits until its network runs, sends `signal` (after SIGKILLing
 * its reaper, with `killReaperFirst`); resolves with what it had made.
 */
async function runToInterrupt(
  signal: NodeJS.Signals,
  o: { killReaperFirst?: boolean } = {},
): Promise<{ namespaces: string[]; pids: number[] }> {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["--import", "tsx", BUILD_AND_WAIT], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const ready = await new Promise<{ namespaces: string[]; pids: number[] }>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.includes('"ready"'));
      if (line) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`build-and-wait exited early (${code}): ${out}`)));
  });
  const exited = new Promise((r) => child.once("exit", r));
  if (o.killReaperFirst) {
    const reaper = reaperOf(child.pid!);
    assert.ok(reaper, "the run has a reaper");
    process.kill(reaper, "SIGKILL");
  }
  child.kill(signal);
  await exited;
  return ready;
}
