/**
 * Socket port contract, CURVE rules (src/ports/socket.ts): one suite, run against
 * zeromq.js over real loopback (socket-port.zmq.test.ts) and against the simulated sockets
 * (socket-port.sim.test.ts), with the environments of socket-port.contract.ts. It pins
 * what the driver relies on: a CURVE connection completes only when both sides agree
 * (mechanism, server key, allow-list); otherwise both sides report "handshake:error",
 * nothing is delivered either way, and after a "mechanism" or "auth" failure the
 * connecting side does not try again, while after a wrong server key it does.
 *
 * Keys are real ones (generateCurveKeyPair): zeromq.js does the cryptography, the
 * simulation compares keys as strings. Absences (nothing delivered, no second attempt)
 * are asserted after a wait in which the real library would have retried several times
 * (reconnect interval 20 ms); a slow machine can only make such a check weaker, never fail it.
 */
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { DealerOptions, PortSocket, RouterOptions, SocketEvent } from "../../src/ports/socket.js";
import { generateCurveKeyPair } from "../../src/runtime/node/curve-keys.js";
import type { ContractHost, SocketEnv } from "./socket-port.contract.js";
import { caseRunner, withinOn } from "./contract-cases.js";

const B = (s: string): Buffer => Buffer.from(s);
const text = (frames: Buffer[]): string[] => frames.map((f) => f.toString());
const WAIT_MS = 3000;
/** Long enough for several reconnects at 20 ms (libzmq and the simulation alike). */
const QUIET_MS = 400;
const FAST = { reconnectIntervalMs: 20, reconnectMaxIntervalMs: 0 } as const;

/** Every event a socket reported, in order, from its creation. */
interface Recorded {
  readonly socket: PortSocket;
  readonly events: SocketEvent[];
  /** Resolves with the `count`-th event of `type` (rejects after WAIT_MS). */
  nth(type: SocketEvent["type"], count?: number): Promise<SocketEvent>;
  /** Resolves with the first event that satisfies `pred` (rejects after WAIT_MS). */
  until(pred: (e: SocketEvent) => boolean): Promise<SocketEvent>;
  count(type: SocketEvent["type"]): number;
}

/** The reason of a handshake:error event, else undefined. */
const reason = (e: SocketEvent): string | undefined => (e.type === "handshake:error" ? e.reason : undefined);

type Settled = { ok: true } | { ok: false; code: string };
const settle = (p: Promise<unknown>): Promise<Settled> =>
  p.then(
    () => ({ ok: true as const }),
    (e: { code?: string }) => ({ ok: false as const, code: e.code ?? String(e) }),
  );

export function socketPortCurveContract(name: string, makeEnv: () => Promise<SocketEnv>): void {
  describe(`socket port contract, CURVE: ${name}`, () => {
    const server = generateCurveKeyPair();
    const other = generateCurveKeyPair();
    const client = generateCurveKeyPair();
    const stranger = generateCurveKeyPair();

    const withEnv = caseRunner(makeEnv, tools);

    withEnv(
      "a CURVE DEALER naming the router's public key reaches a CURVE ROUTER; messages flow both ways",
      async (env, t) => {
        const { router, endpoint } = await t.bound(env.host(), { curveServer: server });
        const d = t.dealer(env.host(), { routingId: "c1", curveClient: client });
        d.socket.connect(endpoint, { curveServerKey: server.publicKey });
        await t.within(d.socket.send([B(""), B("secret")]));
        assert.deepEqual(text(await t.within(router.socket.receive())), ["c1", "", "secret"]);
        await router.socket.send([B("c1"), B(""), B("reply")]);
        assert.deepEqual(text(await t.within(d.socket.receive())), ["", "reply"]);
        // The monitor's connect event may come after the first messages (zeromq.js reads
        // monitor events on their own socket): wait for it rather than read the count now
        // (this assertion failed once in a fresh-clone CI run, the messages already through).
        await d.nth("connect");
        assert.equal(router.count("handshake:error") + d.count("handshake:error"), 0);
        assert.equal(d.count("connect"), 1);
      },
    );

    withEnv(
      "one DEALER reaches two CURVE ROUTERs of different keys, naming each key at its own connect",
      async (env, t) => {
        const a = await t.bound(env.host(), { curveServer: server });
        const b = await t.bound(env.host(), { curveServer: other });
        const d = t.dealer(env.host(), { routingId: "c", curveClient: client });
        d.socket.connect(a.endpoint, { curveServerKey: server.publicKey });
        d.socket.connect(b.endpoint, { curveServerKey: other.publicKey });
        await d.nth("connect", 2);
        for (let i = 0; i < 4; i++) await t.within(d.socket.send([B(`m${i}`)]));
        // Round robin over the two connections: two messages each.
        const got = [
          ...text(await t.within(a.router.socket.receive())),
          ...text(await t.within(a.router.socket.receive())),
          ...text(await t.within(b.router.socket.receive())),
          ...text(await t.within(b.router.socket.receive())),
        ].filter((f) => f !== "c");
        assert.deepEqual(got.sort(), ["m0", "m1", "m2", "m3"]);
      },
    );

    withEnv(
      "connect refuses EINVAL a server key on a plaintext DEALER, and its absence on a CURVE one",
      async (env, t) => {
        const { endpoint } = await t.bound(env.host(), { curveServer: server });
        const plain = t.dealer(env.host(), {});
        assert.throws(() => plain.socket.connect(endpoint, { curveServerKey: server.publicKey }), { code: "EINVAL" });
        const curve = t.dealer(env.host(), { curveClient: client });
        assert.throws(() => curve.socket.connect(endpoint), { code: "EINVAL" });
        assert.throws(() => curve.socket.connect(endpoint, { curveServerKey: "not a key" }), { code: "EINVAL" });
      },
    );

    withEnv(
      "a plaintext DEALER at a CURVE ROUTER: handshake:error on both sides, the DEALER's names the mechanism and ends its tries, nothing delivered, the send times out EAGAIN",
      async (env, t) => {
        const { router, endpoint } = await t.bound(env.host(), { curveServer: server });
        const d = t.dealer(env.host(), { immediate: true, sendTimeoutMs: 300, ...FAST });
        d.socket.connect(endpoint);
        const sent = settle(d.socket.send([B("payload")]));
        // Which side notices the mismatch first is a race in libzmq: the other one then
        // sees the hang-up ("other") and, if it is the DEALER, tries again, until it notices.
        assert.ok(["mechanism", "other"].includes(reason(await router.nth("handshake:error")) ?? ""));
        await d.until((e) => e.type === "handshake:error" && e.reason === "mechanism");
        assert.deepEqual(await t.within(sent), { ok: false, code: "EAGAIN" });
        await t.quiet(router);
        assert.equal(d.count("connect"), 0);
        assert.equal(d.events.filter((e) => reason(e) === "mechanism").length, 1, "no try after the mechanism failure");
      },
    );

    withEnv(
      "a CURVE DEALER at a plaintext ROUTER: handshake:error on both sides, the DEALER's names the mechanism and ends its tries, nothing delivered, the send times out EAGAIN",
      async (env, t) => {
        const { router, endpoint } = await t.bound(env.host(), {});
        const d = t.dealer(env.host(), { immediate: true, sendTimeoutMs: 300, curveClient: client, ...FAST });
        d.socket.connect(endpoint, { curveServerKey: server.publicKey });
        const sent = settle(d.socket.send([B("payload")]));
        assert.ok(["mechanism", "other"].includes(reason(await router.nth("handshake:error")) ?? ""));
        await d.until((e) => e.type === "handshake:error" && e.reason === "mechanism");
        assert.deepEqual(await t.within(sent), { ok: false, code: "EAGAIN" });
        await t.quiet(router);
        assert.equal(d.count("connect"), 0);
        assert.equal(d.events.filter((e) => reason(e) === "mechanism").length, 1, "no try after the mechanism failure");
      },
    );

    withEnv(
      "a CURVE DEALER naming another server key: the router reports a protocol error, the DEALER hears the hang-up and tries again; nothing delivered",
      async (env, t) => {
        const { router, endpoint } = await t.bound(env.host(), { curveServer: server });
        const d = t.dealer(env.host(), { immediate: true, sendTimeoutMs: 300, curveClient: client, ...FAST });
        d.socket.connect(endpoint, { curveServerKey: other.publicKey });
        const sent = settle(d.socket.send([B("payload")]));
        assert.equal(reason(await router.nth("handshake:error")), "protocol");
        assert.equal(reason(await d.nth("handshake:error")), "other");
        await d.nth("handshake:error", 2); // it tries again
        assert.deepEqual(await t.within(sent), { ok: false, code: "EAGAIN" });
        await t.quiet(router);
        assert.equal(d.count("connect"), 0);
      },
    );

    withEnv(
      "allowedClientKeys: a listed client key connects; another is refused with auth on both sides, auth:refused names it, nothing delivered, no second attempt",
      async (env, t) => {
        const { router, endpoint } = await t.bound(env.host(), {
          curveServer: { ...server, allowedClientKeys: [client.publicKey] },
        });
        const ok = t.dealer(env.host(), { routingId: "ok", curveClient: client, ...FAST });
        ok.socket.connect(endpoint, { curveServerKey: server.publicKey });
        await t.within(ok.socket.send([B("allowed")]));
        assert.deepEqual(text(await t.within(router.socket.receive())), ["ok", "allowed"]);

        const bad = t.dealer(env.host(), { immediate: true, sendTimeoutMs: 300, curveClient: stranger, ...FAST });
        bad.socket.connect(endpoint, { curveServerKey: server.publicKey });
        const sent = settle(bad.socket.send([B("refused")]));
        const refused = await router.nth("auth:refused");
        assert.equal(refused.type === "auth:refused" && refused.clientKey, stranger.publicKey);
        assert.equal(reason(await router.nth("handshake:error")), "auth");
        assert.equal(reason(await bad.nth("handshake:error")), "auth");
        assert.deepEqual(await t.within(sent), { ok: false, code: "EAGAIN" });
        await t.quiet(router);
        assert.equal(bad.count("handshake:error"), 1, "the refused DEALER does not try again");
        assert.equal(router.count("auth:refused"), 1);
      },
    );
  });
}

interface Tools {
  dealer(h: ContractHost, o: DealerOptions): Recorded;
  bound(h: ContractHost, o: RouterOptions): Promise<{ router: Recorded; endpoint: string }>;
  within<T>(p: Promise<T>): Promise<T>;
  /** Waits QUIET_MS (tries would happen meanwhile), closes `router` and asserts that it received nothing. */
  quiet(router: Recorded): Promise<void>;
}

function tools(env: SocketEnv, open: PortSocket[]): Tools {
  const within = withinOn(env, WAIT_MS);
  const record = (socket: PortSocket): Recorded => {
    open.push(socket);
    const events: SocketEvent[] = [];
    const waiters: { pred: (e: SocketEvent, seen: number) => boolean; resolve: (e: SocketEvent) => void }[] = [];
    socket.onEvent((e) => {
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e, events.length)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
    const count = (type: SocketEvent["type"]): number => events.filter((e) => e.type === type).length;
    const until = (pred: (e: SocketEvent) => boolean): Promise<SocketEvent> => {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return within(new Promise<SocketEvent>((resolve) => waiters.push({ pred, resolve })));
    };
    return {
      socket,
      events,
      count,
      until,
      nth: (type, n = 1) => {
        let k = 0;
        return until((e) => e.type === type && ++k === n);
      },
    };
  };
  return {
    dealer: (h, o) => record(h.sockets.dealer(o)),
    async bound(h, o) {
      const router = record(h.sockets.router(o));
      return { router, endpoint: await router.socket.bind(h.anyPort) };
    },
    within,
    async quiet(router) {
      const got = settle(router.socket.receive());
      await env.sleep(QUIET_MS);
      router.socket.close(); // a receive still pending rejects ECLOSED: nothing arrived
      assert.deepEqual(await got, { ok: false, code: "ECLOSED" }, "the router received nothing");
    },
  };
}
