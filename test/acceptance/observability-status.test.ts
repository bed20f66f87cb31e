/**
 * Goal: status events, log lines and status() snapshots over real zeromq
 * (spec/observability.md): a malformed frame gives frame-dropped with its reason and peer
 * and a warn line; a flood of 10,000 bad frames writes a bounded number of lines; a dead
 * peer gives peer-dead; servers report started and stopped; status() holds every part.
 * Method: a recording logger and a status listener on a zmq:// transport; raw zeromq
 * DEALERs send the bad frames.
 * Direct routing only: raw sockets stand for peers on a direct connection, which proxy
 * mode has only behind a proxy.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as zmq from "zeromq";
import { getRpcServer, getRpcTransport, RpcClient, type StatusEvent, type Transport } from "../../src/index.js";
import { topicKey } from "../../src/core/target.js";
import { transportInternals } from "../../src/internal.js";
import { LINES_PER_WINDOW } from "../../src/observability/log-hook.js";
import { recordingLogger } from "../support/recording-logger.js";
import { addressOf } from "../support/host-address.js";

const uniq = () => Math.random().toString(36).slice(2, 8);

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

describe("observability status", () => {
  const logger = recordingLogger();
  const events: StatusEvent[] = [];
  let transport: Transport;
  before(async () => {
    transport = await getRpcTransport("zmq://", { logger });
    transport.on("status", (e) => events.push(e));
  });
  after(async () => {
    await transport.close();
  });

  test("status - a malformed frame gives frame-dropped (reason, peer) and one warn line; 10,000 more write at most the window's lines", async () => {
    events.length = 0;
    logger.lines.length = 0;
    const server = getRpcServer(transport, { topic: `st-${uniq()}`, server: "s" }, [{ ping: () => "pong" }]);
    await server.start();
    const raw = new zmq.Dealer({ linger: 0, routingId: "bad-peer-1" });
    raw.connect(addressOf(server.host!));
    await raw.send(["", "1.0", "1", "id", "not json"]);
    await until(() => server.stats.malformed === 1, "the frame was read");
    const dropped = events.filter((e) => e.type === "frame-dropped");
    assert.deepEqual(dropped, [
      {
        type: "frame-dropped",
        side: "server",
        reason: "malformed",
        peer: "bad-peer-1",
        detail: "payload is not valid JSON",
      },
    ]);
    const warns = logger.lines.filter((l) => l.level === "warn" && l.obj.type === "frame-dropped");
    assert.equal(warns.length, 1);
    assert.equal(warns[0]!.obj.peer, "bad-peer-1");
    assert.match(warns[0]!.msg, /bad-peer-1.*malformed/);

    for (let i = 0; i < 10_000; i++) await raw.send(["", "1.0", "1", `id${i}`, "not json"]);
    await until(() => server.stats.malformed === 10_001, "all 10,001 frames were read");
    assert.equal(events.filter((e) => e.type === "frame-dropped").length, 10_001, "events are not rate-limited");
    const lines = logger.lines.filter((l) => l.obj.type === "frame-dropped");
    assert.ok(lines.length <= LINES_PER_WINDOW, `at most ${LINES_PER_WINDOW} lines, got ${lines.length}`);
    raw.close();
    await server.stop();
  });

  test("status - a dead peer gives peer-dead and a warn line", async () => {
    events.length = 0;
    logger.lines.length = 0;
    // A raw ROUTER registered as the topic's server, then closed without deregistering:
    // the client's pooled connection to it drops, as when a server process dies.
    const topic = `st-dead-${uniq()}`;
    const router = new zmq.Router({ linger: 0 });
    await router.bind("tcp://127.0.0.1:*");
    const host = router.lastEndpoint!;
    const { matchmaker } = transportInternals(transport).deps;
    const key = topicKey({ topic });
    await matchmaker.register(key, host, null);
    await new RpcClient(transport, { topic }).cast({}, "anything");
    router.close();
    await until(() => events.some((e) => e.type === "peer-dead"), "peer-dead was reported");
    assert.deepEqual(
      events.find((e) => e.type === "peer-dead"),
      { type: "peer-dead", peer: host, reason: "disconnected" },
    );
    assert.ok(logger.lines.some((l) => l.level === "warn" && l.obj.type === "peer-dead" && l.obj.peer === host));
    await matchmaker.unregister(key, host);
  });

  test("status - servers report started and stopped, with an info line each", async () => {
    events.length = 0;
    logger.lines.length = 0;
    const topic = `st-${uniq()}`;
    const server = getRpcServer(transport, { topic, server: "s" }, [{ ping: () => "pong" }]);
    await server.start();
    const host = server.host!;
    await server.stop();
    await until(() => events.some((e) => e.type === "server-stopped"), "server-stopped was reported");
    assert.deepEqual(
      events.filter((e) => e.type === "server-started" || e.type === "server-stopped"),
      [
        { type: "server-started", topic, exchange: "openstack", server: "s", host },
        { type: "server-stopped", topic, exchange: "openstack", server: "s", host },
      ],
    );
    assert.ok(logger.lines.some((l) => l.level === "info" && l.obj.type === "server-started"));
  });

  test("status - status() holds the client counters, the pool, each started server and the matchmaker", async () => {
    const topic = `st-${uniq()}`;
    const server = getRpcServer(transport, { topic, server: "s" }, [{ ping: () => "pong" }]);
    await server.start();
    const before = transport.status().client.calls;
    await new RpcClient(transport, { topic }).call({}, "ping");
    const s = transport.status();
    assert.equal(s.client.calls, before + 1);
    assert.equal(s.client.pending, 0);
    assert.ok(s.pool.created >= 1);
    const mine = s.servers.find((x) => x.target.topic === topic);
    assert.ok(mine);
    assert.equal(mine.host, server.host);
    assert.equal(mine.stats.handled, 1);
    assert.equal(mine.inFlight, 0);
    assert.deepEqual(s.matchmaker, { available: null, describe: undefined });
    await server.stop();
    assert.equal(
      transport.status().servers.some((x) => x.target.topic === topic),
      false,
      "a stopped server leaves the snapshot",
    );
  });

  test("status - a listener that throws does not break the driver; off() removes a listener", async () => {
    const seen: string[] = [];
    const bad = () => {
      throw new Error("listener bug");
    };
    const stop = transport.on("status", bad);
    const good = (e: StatusEvent) => seen.push(e.type);
    transport.on("status", good);
    const server = getRpcServer(transport, { topic: `st-${uniq()}`, server: "s" }, [{}]);
    await server.start();
    stop();
    transport.off("status", good);
    await server.stop();
    assert.deepEqual(seen, ["server-started"]);
    assert.ok(logger.lines.some((l) => l.level === "error" && l.obj.error === "listener bug"));
  });
});
