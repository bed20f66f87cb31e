/**
 * The simulated sockets' ZMTP heartbeats (sim/net/heartbeats.ts) against the model the
 * file states, in virtual time: when a side closes (its first PING after it stopped
 * hearing, plus the timeout), which faults make it stop hearing (a frozen peer, a cut
 * link, lost heartbeats on an idle connection, a one-way delay beyond the timeout) and
 * which do not (a paused event loop, lost heartbeats while data flows, a short delay),
 * and that without heartbeats nothing of the kind ever closes a connection. The socket
 * contract (test/contract/socket-port.contract.ts) pins the frozen and paused cases on
 * zeromq.js too.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PortSocket, SocketOptions } from "../../src/ports/socket.js";
import { IDEAL_TIME } from "../../sim/host-clock.js";
import { HostProcess } from "../../sim/host-process.js";
import { SimNetwork } from "../../sim/net/network.js";
import { Prng } from "../../sim/prng.js";
import { Scheduler } from "../../sim/scheduler.js";
import { Trace } from "../../sim/trace.js";

const HB: SocketOptions = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 };
const B = (s: string): Buffer => Buffer.from(s);

/** Two hosts: a ROUTER on h1 and a DEALER on h0 connected to it; every event's virtual time, by socket. */
async function pair(o: { dealer?: SocketOptions; router?: SocketOptions } = {}) {
  const scheduler = new Scheduler();
  const trace = new Trace(() => scheduler.nowUs);
  const net = new SimNetwork(scheduler, trace, Prng.derive(1, "net"));
  const procs = [0, 1].map(() => new HostProcess(net.addHost().index, 0, net, scheduler, trace, IDEAL_TIME, 1));
  const [client, server] = procs as [HostProcess, HostProcess];
  const router = server.sockets.router(o.router ?? HB);
  const endpoint = await router.bind(`tcp://${net.hosts[1]!.ip}:*`);
  const dealer = client.sockets.dealer({
    immediate: true,
    routingId: "d",
    reconnectIntervalMs: 50,
    ...(o.dealer ?? HB),
  });
  const events: string[] = [];
  const log = (name: string, s: PortSocket): void => {
    s.onEvent((e) => events.push(`${(scheduler.nowUs / 1000).toFixed(3)} ${name} ${e.type}`));
  };
  log("dealer", dealer);
  log("router", router);
  dealer.connect(endpoint);
  const runTo = (ms: number): Promise<unknown> => scheduler.run({ untilUs: ms * 1000 });
  /** Runs `fn` at virtual time `ms` (time moves only from event to event). */
  const atMs = (ms: number, fn: () => void): void => void scheduler.at(ms * 1000, fn);
  await runTo(10);
  const upMs = Number(events.find((e) => e.endsWith("dealer connect"))!.split(" ")[0]);
  return { scheduler, net, client, server, router, dealer, events, runTo, atMs, upMs };
}

const at = (events: string[], what: string): number[] =>
  events.filter((e) => e.endsWith(what)).map((e) => Number(e.split(" ")[0]));

describe("sim heartbeats", () => {
  it("a side closes at its first PING after it stopped hearing, plus the timeout; the DEALER reconnects once the peer answers", async () => {
    const p = await pair();
    p.atMs(250, () => p.server.freeze());
    p.atMs(1000, () => p.server.thaw());
    await p.runTo(999);
    // PINGs at upMs + 100 k; the first after 250 ms is upMs + 300; closed 300 ms later.
    assert.deepEqual(at(p.events, "dealer disconnect"), [p.upMs + 600]);
    assert.equal(at(p.events, "dealer connect").length, 1, "no handshake completes with a frozen peer");
    await p.runTo(1300);
    assert.equal(at(p.events, "dealer connect").length, 2);
    assert.equal(p.net.heartbeats.timeouts, 1, "the frozen side's own timers did not run");
  });

  it("a cut link: both sides stop hearing and close at their deadlines; no handshake until it heals", async () => {
    const p = await pair();
    let heal = (): void => undefined;
    p.atMs(250, () => {
      heal = p.net.faults.isolate(1, "both");
    });
    p.atMs(1000, () => heal());
    await p.runTo(999);
    assert.deepEqual(at(p.events, "dealer disconnect"), [p.upMs + 600]);
    assert.deepEqual(at(p.events, "router disconnect"), [p.upMs + 600]);
    assert.equal(p.net.heartbeats.timeouts, 2);
    await p.runTo(2000);
    assert.equal(at(p.events, "dealer connect").length, 2);
  });

  it("a paused event loop still answers heartbeats: no side closes", async () => {
    const p = await pair();
    p.atMs(100, () => p.server.pause());
    p.atMs(2000, () => p.server.resume());
    await p.runTo(2100);
    assert.deepEqual(at(p.events, "disconnect"), []);
  });

  it("lost heartbeats: data from the peer counts as heard; an idle connection closes", async () => {
    const p = await pair();
    p.net.faults.silence(1, 0); // PINGs and PONGs from the ROUTER's host to the DEALER's
    for (let t = 50; t < 1000; t += 50) p.atMs(t, () => void p.router.send([B("d"), B(`tick ${t}`)]));
    await p.runTo(1000);
    assert.deepEqual(at(p.events, "disconnect"), [], "the data kept it alive");
    await p.runTo(2000);
    // The last data arrived just after 950 ms; the next PING is at upMs + 1000, closed 300
    // ms later. The new connection hears no heartbeats either: it closes at its second PING + 300 ms.
    const [first, second] = at(p.events, "dealer disconnect");
    assert.equal(first, p.upMs + 1300, "silent once the data stopped");
    const reconnected = at(p.events, "dealer connect")[1]!;
    assert.equal(second, Math.round((reconnected + 400) * 1000) / 1000);
  });

  it("a one-way delay below the timeout delays messages and closes nothing; above it, the side that stops hearing closes", async () => {
    const short = await pair();
    short.atMs(100, () => {
      short.net.oneWayDelay(1, 0, 200_000);
      void short.router.send([B("d"), B("late")]);
    });
    let gotMs = 0;
    void short.dealer.receive().then(() => (gotMs = short.scheduler.nowUs / 1000));
    await short.runTo(1000);
    assert.ok(gotMs >= 300, `arrived at ${gotMs} ms`);
    assert.deepEqual(at(short.events, "disconnect"), []);

    const long = await pair();
    long.atMs(100, () => long.net.oneWayDelay(1, 0, 600_000));
    await long.runTo(1000);
    assert.equal(at(long.events, "dealer disconnect").length, 1);
    assert.equal(long.net.heartbeats.timeouts, 1, "the ROUTER's side heard the DEALER (and then its FIN)");
  });

  it("without heartbeats a frozen peer or a cut link never closes a connection", async () => {
    const p = await pair({ dealer: {}, router: {} });
    let heal = (): void => undefined;
    p.atMs(100, () => p.server.freeze());
    p.atMs(5000, () => {
      p.server.thaw();
      heal = p.net.faults.isolate(1, "both");
    });
    p.atMs(10_000, () => heal());
    await p.runTo(10_100);
    assert.deepEqual(at(p.events, "disconnect"), []);
    assert.equal(p.net.heartbeats.count, 0);
  });
});
