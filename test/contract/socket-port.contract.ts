/**
 * Socket port contract: one suite, run against zeromq.js over real loopback
 * (socket-port.zmq.test.ts) and against the simulated sockets (socket-port.sim.test.ts).
 * Each case states a rule of src/ports/socket.ts that the driver relies on; the simulator
 * is only trusted because it passes the same cases as the real library.
 *
 * Cases never depend on timing margins: they wait for events (connect, accept,
 * disconnect) or for a send's own timeout, and race every await against a generous
 * `env.sleep` so that a broken implementation fails instead of hanging. On real sockets
 * those sleeps are real milliseconds; in the simulation they are virtual.
 */
import { describe } from "node:test";
import assert from "node:assert/strict";
import type { PortSocket, RouterOptions, SocketEvent, SocketFactory, SocketOptions } from "../../src/ports/socket.js";
import { caseRunner, withinOn } from "./contract-cases.js";

export interface ContractHost {
  sockets: SocketFactory;
  /** "tcp://<this host's address>:*" */
  anyPort: string;
}

export interface SocketEnv {
  host(): ContractHost;
  /** An address on a host where nothing listens (connections are refused). */
  unusedAddress(): Promise<string>;
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
  /** A ROUTER (default options) bound in a process of its own, which the test can stop whole (SIGSTOP) and resume. */
  stoppableRouter(): Promise<StoppableRouter>;
  /**
   * Blocks the JavaScript thread of the process that `h`'s sockets live in for `ms` (a busy
   * handler); libzmq's I/O thread runs on. Resolves once the thread runs again.
   */
  blockEventLoop(h: ContractHost, ms: number): Promise<void>;
}

export interface StoppableRouter {
  readonly endpoint: string;
  /** The whole process stops: its I/O thread too, so it answers no heartbeat and accepts no handshake. */
  stop(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Heartbeats short enough for a test: a PING every 100 ms, a connection silent 300 ms after one closes. */
const HEARTBEATS = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 } as const;

const B = (s: string): Buffer => Buffer.from(s);
const text = (frames: Buffer[]): string[] => frames.map((f) => f.toString());
const WAIT_MS = 3000;

type Settled<T> = { ok: true; value: T } | { ok: false; code: string };

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (e: { code?: string }) => ({ ok: false as const, code: e.code ?? String(e) }),
  );
}

export function socketPortContract(name: string, makeEnv: () => Promise<SocketEnv>): void {
  describe(`socket port contract: ${name}`, () => {
    const withEnv = caseRunner(makeEnv, tools);

    withEnv(
      "bind to tcp://<host>:* resolves a concrete port; binding that endpoint again rejects EADDRINUSE",
      async (env, t) => {
        const h = env.host();
        const r = t.router(h, {});
        const ep = await r.bind(h.anyPort);
        assert.match(ep, /^tcp:\/\/[^:]+:\d+$/);
        const r2 = t.router(h, {});
        const again = await settle(r2.bind(ep));
        assert.deepEqual(again, { ok: false, code: "EADDRINUSE" });
      },
    );

    withEnv(
      "a ROUTER receives [routingId, ...frames] from a DEALER and routes a reply back by that id",
      async (env, t) => {
        const h = env.host();
        const { router, endpoint } = await t.bound(h, {});
        const d = t.dealer(env.host(), { routingId: "client-1" });
        d.connect(endpoint);
        await d.send([B(""), B("hello")]);
        assert.deepEqual(text(await t.within(router.receive())), ["client-1", "", "hello"]);
        await router.send([B("client-1"), B(""), B("reply")]);
        assert.deepEqual(text(await t.within(d.receive())), ["", "reply"]);
      },
    );

    withEnv("frames keep their boundaries, empty frames included", async (env, t) => {
      const h = env.host();
      const { router, endpoint } = await t.bound(h, {});
      const d = t.dealer(env.host(), { routingId: "d" });
      d.connect(endpoint);
      await d.send([B(""), B(""), B("a"), Buffer.alloc(1000, 7), B("")]);
      const got = await t.within(router.receive());
      assert.deepEqual(
        got.map((f) => f.length),
        [1, 0, 0, 1, 1000, 0],
      );
    });

    withEnv(
      "a text frame is sent as its UTF-8 bytes, short or long, beside Buffers; received frames are Buffers",
      async (env, t) => {
        const { router, endpoint } = await t.bound(env.host(), {});
        const d = t.dealer(env.host(), { routingId: "d" });
        d.connect(endpoint);
        const long = `["é€😀",${JSON.stringify("x".repeat(300))}]`; // over the 128 bytes zeromq.js copies
        await d.send(["", "id-1", B("raw"), long, "ü"]);
        const got = await t.within(router.receive());
        assert.ok(got.every((f) => Buffer.isBuffer(f)));
        assert.deepEqual(got.slice(1), [
          B(""),
          B("id-1"),
          B("raw"),
          Buffer.from(long, "utf8"),
          Buffer.from("ü", "utf8"),
        ]);
        await router.send([B("d"), "", "ok"]);
        assert.deepEqual(text(await t.within(d.receive())), ["", "ok"]);
      },
    );

    withEnv("messages on one connection arrive in the order sent (per-connection FIFO)", async (env, t) => {
      const h = env.host();
      const { router, endpoint } = await t.bound(h, {});
      const d = t.dealer(env.host(), { routingId: "d" });
      d.connect(endpoint);
      for (let i = 0; i < 200; i++) await d.send([B(String(i))]);
      for (let i = 0; i < 200; i++) assert.deepEqual(text(await t.within(router.receive())), ["d", String(i)]);
    });

    withEnv(
      "an IMMEDIATE DEALER with no connection: a send waits, a second rejects EBUSY, the first rejects EAGAIN at sendTimeoutMs",
      async (env, t) => {
        const d = t.dealer(env.host(), { immediate: true, sendTimeoutMs: 200 });
        d.connect(await env.unusedAddress());
        const first = settle(d.send([B("a")]));
        const second = await settle(d.send([B("b")]));
        assert.deepEqual(second, { ok: false, code: "EBUSY" });
        assert.deepEqual(await t.within(first), { ok: false, code: "EAGAIN" });
      },
    );

    withEnv("with sendTimeoutMs 0 an IMMEDIATE DEALER with no connection rejects EAGAIN at once", async (env, t) => {
      const d = t.dealer(env.host(), { immediate: true, sendTimeoutMs: 0 });
      d.connect(await env.unusedAddress());
      assert.deepEqual(await t.within(settle(d.send([B("a")]))), { ok: false, code: "EAGAIN" });
    });

    withEnv(
      "a DEALER without immediate queues sendHighWaterMark messages for an absent peer, then EAGAIN",
      async (env, t) => {
        const d = t.dealer(env.host(), { immediate: false, sendTimeoutMs: 100, sendHighWaterMark: 3 });
        d.connect(await env.unusedAddress());
        for (let i = 0; i < 3; i++) await t.within(d.send([B(String(i))]));
        assert.deepEqual(await t.within(settle(d.send([B("x")]))), { ok: false, code: "EAGAIN" });
      },
    );

    withEnv(
      "messages a DEALER without immediate queued before the peer bound are delivered once it does",
      async (env, t) => {
        const h = env.host();
        const address = await t.freeEndpoint(h);
        const d = t.dealer(env.host(), { immediate: false, routingId: "early", reconnectIntervalMs: 20 });
        d.connect(address);
        await d.send([B("queued-1")]);
        await d.send([B("queued-2")]);
        const r = t.router(h, {});
        await r.bind(address);
        assert.deepEqual(text(await t.within(r.receive())), ["early", "queued-1"]);
        assert.deepEqual(text(await t.within(r.receive())), ["early", "queued-2"]);
      },
    );

    withEnv(
      "a mandatory ROUTER rejects a send to an unknown routing id with EHOSTUNREACH, at once or after sendTimeoutMs",
      async (env, t) => {
        const h = env.host();
        const r0 = t.router(h, { mandatory: true, sendTimeoutMs: 0 });
        await r0.bind(h.anyPort);
        assert.deepEqual(await settle(r0.send([B("nobody"), B("x")])), { ok: false, code: "EHOSTUNREACH" });
        const r1 = t.router(h, { mandatory: true, sendTimeoutMs: 100 });
        await r1.bind(h.anyPort);
        assert.deepEqual(await t.within(settle(r1.send([B("nobody"), B("x")]))), { ok: false, code: "EHOSTUNREACH" });
      },
    );

    withEnv("a ROUTER without mandatory drops a send to an unknown routing id silently", async (env, t) => {
      const h = env.host();
      const r = t.router(h, { mandatory: false, sendTimeoutMs: 0 });
      await r.bind(h.anyPort);
      assert.deepEqual(await settle(r.send([B("nobody"), B("x")])), { ok: true, value: undefined });
    });

    withEnv("a mandatory ROUTER rejects EHOSTUNREACH for a DEALER that has disconnected", async (env, t) => {
      const h = env.host();
      const { router, endpoint } = await t.bound(h, { mandatory: true, sendTimeoutMs: 0 });
      const d = t.dealer(env.host(), { routingId: "gone" });
      const gone = t.event(router, "disconnect");
      d.connect(endpoint);
      await d.send([B("hi")]);
      await t.within(router.receive());
      d.close();
      await gone;
      // libzmq reports the disconnect (monitor event) slightly before the ROUTER's socket
      // thread drops the pipe (seen on loopback under load): a send in that window is still
      // accepted. Within a second of the event every send must fail.
      let outcome = await settle(router.send([B("gone"), B("x")]));
      for (let i = 0; i < 100 && outcome.ok; i++) {
        await env.sleep(10);
        outcome = await settle(router.send([B("gone"), B("x")]));
      }
      assert.deepEqual(outcome, { ok: false, code: "EHOSTUNREACH" });
    });

    withEnv("a DEALER round-robins over its connected peers", async (env, t) => {
      const h = env.host();
      const a = await t.bound(h, {});
      const b = await t.bound(h, {});
      const d = t.dealer(env.host(), { immediate: true, routingId: "rr", sendTimeoutMs: 1000 });
      const both = t.events(d, "connect", 2);
      d.connect(a.endpoint);
      d.connect(b.endpoint);
      await both;
      for (let i = 0; i < 6; i++) await d.send([B(`m${i}`)]);
      const fromA: string[] = [];
      const fromB: string[] = [];
      for (let i = 0; i < 3; i++) fromA.push(text(await t.within(a.router.receive()))[1]!);
      for (let i = 0; i < 3; i++) fromB.push(text(await t.within(b.router.receive()))[1]!);
      assert.deepEqual(
        [fromA, fromB],
        [
          ["m0", "m2", "m4"],
          ["m1", "m3", "m5"],
        ],
      );
    });

    withEnv("events: the DEALER sees connect then disconnect, the ROUTER sees accept", async (env, t) => {
      const h = env.host();
      const { router, endpoint } = await t.bound(h, {});
      const d = t.dealer(env.host(), { immediate: true });
      const accepted = t.event(router, "accept");
      const connected = t.event(d, "connect");
      d.connect(endpoint);
      await connected;
      await accepted;
      const dropped = t.event(d, "disconnect");
      router.close();
      await dropped;
    });

    withEnv(
      "a frame over maxFrameBytes is never delivered: the receiver drops the connection, the DEALER reconnects",
      async (env, t) => {
        const h = env.host();
        const { router, endpoint } = await t.bound(h, { maxFrameBytes: 100 });
        const d = t.dealer(env.host(), { routingId: "big", reconnectIntervalMs: 50 });
        const up = t.event(d, "connect");
        d.connect(endpoint);
        await up;
        await d.send([B("a".repeat(60)), B("b".repeat(100))]); // each frame within the bound
        assert.deepEqual(
          (await t.within(router.receive())).map((f) => f.length),
          [3, 60, 100],
        );
        const dropped = t.event(router, "disconnect");
        const again = t.event(d, "connect");
        await d.send([B("c".repeat(101))]);
        await dropped;
        await again;
        await d.send([B("after")]);
        assert.deepEqual(text(await t.within(router.receive())), ["big", "after"], "the long frame never arrived");
      },
    );

    withEnv("after one peer closes, the DEALER sends to the others only", async (env, t) => {
      const h = env.host();
      const a = await t.bound(h, {});
      const b = await t.bound(h, {});
      const d = t.dealer(env.host(), { immediate: true, routingId: "d", sendTimeoutMs: 1000 });
      const both = t.events(d, "connect", 2);
      d.connect(a.endpoint);
      d.connect(b.endpoint);
      await both;
      const lost = t.event(d, "disconnect");
      a.router.close();
      await lost;
      // libzmq reports the disconnect (monitor event) slightly before the DEALER's socket
      // thread drops the pipe; a message sent in that window goes to the dead pipe and is
      // lost (seen on loopback). The simulation drops the pipe at the event. Wait it out.
      await env.sleep(100);
      for (let i = 0; i < 4; i++) await d.send([B(`n${i}`)]);
      for (let i = 0; i < 4; i++) assert.deepEqual(text(await t.within(b.router.receive())), ["d", `n${i}`]);
    });

    withEnv("a DEALER reconnects by itself after its peer restarts at the same address", async (env, t) => {
      const h = env.host();
      const first = await t.bound(h, {});
      const d = t.dealer(env.host(), { immediate: true, routingId: "d", sendTimeoutMs: 2000, reconnectIntervalMs: 50 });
      const up = t.event(d, "connect");
      d.connect(first.endpoint);
      await up;
      const down = t.event(d, "disconnect");
      first.router.close();
      await down;
      const again = t.event(d, "connect");
      const second = t.router(h, {});
      await second.bind(first.endpoint);
      await again;
      await d.send([B("after-restart")]);
      assert.deepEqual(text(await t.within(second.receive())), ["d", "after-restart"]);
    });

    withEnv(
      "an IMMEDIATE DEALER drops a reply it had not read when the connection closed; without immediate it keeps it",
      async (env, t) => {
        for (const immediate of [true, false]) {
          const h = env.host();
          const { router, endpoint } = await t.bound(h, { linger: 1000 });
          const d = t.dealer(env.host(), { immediate, routingId: "late-reader" });
          const down = t.event(d, "disconnect");
          d.connect(endpoint);
          await d.send([B("request")]);
          await t.within(router.receive());
          await router.send([B("late-reader"), B("reply")]);
          router.close();
          await down;
          await env.sleep(50);
          const got = await Promise.race([d.receive().then(text), env.sleep(300).then(() => "nothing")]);
          assert.deepEqual(got, immediate ? "nothing" : ["reply"], `immediate=${immediate}`);
        }
      },
    );

    withEnv(
      "with heartbeats, a DEALER whose peer process stops reports disconnect (without heartbeats it does not), and connect again once the peer resumes",
      async (env, t) => {
        const peer = await env.stoppableRouter();
        try {
          const h = env.host();
          const watched = t.dealer(h, { immediate: true, ...HEARTBEATS, reconnectIntervalMs: 50 });
          const blind = t.dealer(h, { immediate: true });
          const up = Promise.all([t.event(watched, "connect"), t.event(blind, "connect")]);
          watched.connect(peer.endpoint);
          blind.connect(peer.endpoint);
          await up;
          let blindDropped = 0;
          blind.onEvent((e) => {
            if (e.type === "disconnect") blindDropped++;
          });
          const down = t.event(watched, "disconnect");
          peer.stop();
          await down;
          assert.equal(blindDropped, 0, "a connection without heartbeats does not notice a stopped peer");
          const again = t.event(watched, "connect");
          peer.resume();
          await again;
        } finally {
          await peer.close();
        }
      },
    );

    withEnv(
      "with heartbeats, a peer whose event loop is blocked for several heartbeat timeouts keeps its connection (its I/O thread answers the PINGs)",
      async (env, t) => {
        const h = env.host();
        const { router, endpoint } = await t.bound(h, { ...HEARTBEATS });
        const d = t.dealer(env.host(), { immediate: true, routingId: "patient", ...HEARTBEATS });
        let dropped = 0;
        for (const s of [router, d])
          s.onEvent((e) => {
            if (e.type === "disconnect") dropped++;
          });
        const up = t.event(d, "connect");
        d.connect(endpoint);
        await up;
        await env.blockEventLoop(h, 1000);
        await env.sleep(100);
        assert.equal(dropped, 0);
        await d.send([B("still-here")]);
        assert.deepEqual(text(await t.within(router.receive())), ["patient", "still-here"]);
      },
    );

    withEnv("receive on a closed socket, or pending when it closes, rejects ECLOSED; so does send", async (env, t) => {
      const d = t.dealer(env.host(), {});
      const pending = settle(d.receive());
      d.close();
      assert.deepEqual(await t.within(pending), { ok: false, code: "ECLOSED" });
      assert.deepEqual(await settle(d.receive()), { ok: false, code: "ECLOSED" });
      assert.deepEqual(await settle(d.send([B("x")])), { ok: false, code: "ECLOSED" });
      assert.equal(d.closed, true);
    });
  });
}

interface Tools {
  router(h: ContractHost, o: RouterOptions & { linger?: number }): PortSocket;
  dealer(h: ContractHost, o: SocketOptions): PortSocket;
  bound(h: ContractHost, o: RouterOptions & { linger?: number }): Promise<{ router: PortSocket; endpoint: string }>;
  /** An endpoint on `h` that was free a moment ago (bound, then released). */
  freeEndpoint(h: ContractHost): Promise<string>;
  within<T>(p: Promise<T>): Promise<T>;
  event(s: PortSocket, type: SocketEvent["type"]): Promise<void>;
  events(s: PortSocket, type: SocketEvent["type"], count: number): Promise<void>;
}

function tools(env: SocketEnv, open: PortSocket[]): Tools {
  const keep = <S extends PortSocket>(s: S): S => {
    open.push(s);
    return s;
  };
  const within = withinOn(env, WAIT_MS);
  const events = (s: PortSocket, type: SocketEvent["type"], count: number): Promise<void> =>
    within(
      new Promise<void>((resolve) => {
        let seen = 0;
        const off = s.onEvent((e) => {
          if (e.type === type && ++seen === count) {
            off();
            resolve();
          }
        });
      }),
    );
  const router = (h: ContractHost, o: RouterOptions & { linger?: number }): PortSocket =>
    keep(h.sockets.router({ ...o, ...(o.linger !== undefined ? { lingerMs: o.linger } : {}) }));
  return {
    router,
    dealer: (h, o) => keep(h.sockets.dealer(o)),
    async bound(h, o) {
      const r = router(h, o);
      return { router: r, endpoint: await r.bind(h.anyPort) };
    },
    async freeEndpoint(h) {
      // A port below Linux's ephemeral range (32768-60999): a DEALER reconnecting to a free
      // port inside that range can be given that very port as its own source port and
      // connect to itself (TCP simultaneous open), which then holds the port the test
      // binds next (EADDRINUSE, seen once in a few hundred runs under load).
      for (let attempt = 0; ; attempt++) {
        const port = 20_000 + Math.floor(Math.random() * 12_000);
        const r = h.sockets.router({});
        try {
          const ep = await r.bind(h.anyPort.replace("*", String(port)));
          r.close();
          await env.sleep(20);
          return ep;
        } catch (err) {
          r.close();
          if (attempt >= 20) throw err;
        }
      }
    },
    within,
    event: (s, type) => events(s, type, 1),
    events,
  };
}
