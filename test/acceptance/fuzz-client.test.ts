/**
 * Goal: a client survives a hostile server (issue 12, "Fuzz", the reverse direction):
 * whatever a server answers (test/support/hostile-replies.ts), the client process never
 * crashes, Object.prototype stays clean, and every call settles exactly as the spec's
 * reading of the answers says (frame-oracle.ts): with the body or the rebuilt failure of
 * the first well-formed reply naming it, PayloadTooLarge for one over the client's limit,
 * else MessagingTimeout at its deadline, never later than a generous margin past it.
 * Method: a raw zeromq.js ROUTER registered in the in-process matchmaker as the only
 * server of a topic; an RpcClient calls it (args {n} tie a message id to its call). For
 * each request the fake server sends 0 to 3 generated answers, naming that request, an
 * earlier one, or none. Seeded (FUZZ_SEED), bounded by FUZZ_CALLS (default 400).
 * Direct routing only: the hostile server is a raw socket the client connects to; in
 * proxy mode the client connects to proxies only (the proxy's own hostile input:
 * test/property/proxy-forwarding.property.test.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import * as zmq from "zeromq";
import {
  getRpcServer,
  getRpcTransport,
  MessagingError,
  MessagingTimeout,
  PayloadTooLarge,
  RpcClient,
  type Transport,
} from "../../src/index.js";
import {
  decodeRequest,
  deserializeRemoteError,
  InProcessMatchmaker,
  MAX_JSON_DEPTH,
  encodeReply,
  NodeClock,
  serverKey,
  topicKey,
  transportInternals,
} from "../../src/internal.js";
import { waitFor } from "../support/fixtures.js";
import { judgeAtClient, type ReplyVerdict } from "../support/frame-oracle.js";
import { hostileAnswer, type AnswerCategory } from "../support/hostile-replies.js";

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CALLS = Number(process.env.FUZZ_CALLS ?? 400);
const TIMEOUT_MS = 600;
const CONCURRENCY = 25;
const LIMITS = { maxPayloadBytes: 64 * 1024, maxDepth: MAX_JSON_DEPTH };
/** How late past its deadline a call may settle on 2 shared cores before it counts as a hang. */
const HANG_MARGIN_MS = 5000;

class AppError extends Error {}
class Broken extends Error {
  constructor() {
    super("never");
    throw new Error("constructor throws");
  }
}
function NotAnError(): object {
  return { not: "an error" };
}
const REMOTE_ERRORS = { AppError, Broken, NotAnError } as unknown as Record<string, new (m: string) => Error>;

type Outcome = { ok: true; value: unknown; ms: number } | { ok: false; err: unknown; ms: number };
type Logged = { kind: "request"; id: string; call: boolean } | { kind: "answer"; verdict: ReplyVerdict };

test("fuzz - hostile answers from a fake server: no crash, every call settles as the spec says, typed errors only", async (t) => {
  t.diagnostic(`seed ${SEED} (replay: FUZZ_SEED=${SEED}), ${CALLS} calls`);
  const crashes: unknown[] = [];
  const onCrash = (e: unknown): void => void crashes.push(e);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  const protoKeys = Object.getOwnPropertyNames(Object.prototype).join();
  const mm = new InProcessMatchmaker(new NodeClock());
  const router = new zmq.Router({ linger: 0 });
  let transport: Transport | undefined;
  try {
    await router.bind("tcp://127.0.0.1:*");
    await mm.register(topicKey({ topic: "rev" }), router.lastEndpoint!, null);
    transport = await getRpcTransport("zmq://", {
      matchmaker: mm,
      maxPayloadBytes: LIMITS.maxPayloadBytes,
      remoteErrors: REMOTE_ERRORS,
      // Timeouts are soft failures: without this the breaker would refuse calls to the only host.
      circuitBreaker: { failureThreshold: 0 },
      heartbeatIntervalMs: 0, // a missed PONG on a loaded machine would fail calls the replay expects answered
    });

    // The fake server: answers every request at once, in the order it reads them.
    const log: Logged[] = [];
    const idOfCall = new Map<number, string>();
    const seen: string[] = [];
    const peers = new Set<string>();
    const sentByCategory: Partial<Record<AnswerCategory, number>> = {};
    const badRequests: string[] = [];
    const answers = fc.array(hostileAnswer(LIMITS), { minLength: 1, maxLength: 3 });
    void (async () => {
      let i = 0;
      try {
        for await (const frames of router) {
          const r = decodeRequest(frames, 16 * 1024 * 1024);
          if (!r.ok || r.value.type === 4) {
            badRequests.push(r.ok ? "a NOTIFY" : r.reason);
            continue;
          }
          const req = r.value;
          if (req.message.method === "sync") {
            // The last call: one plain reply; once the client has it, it has read every answer before it.
            await router.send(encodeReply(req.peerId, req.messageId, "synced", null));
            continue;
          }
          peers.add(req.peerId.toString("hex"));
          idOfCall.set(req.message.args.n as number, req.messageId);
          log.push({ kind: "request", id: req.messageId, call: req.type === 1 });
          seen.push(req.messageId);
          for (const a of fc.sample(answers, { seed: SEED + i, numRuns: 1 })[0]!) {
            const id =
              a.idMode === "own" ? req.messageId : a.idMode === "other" ? seen[(i * 7) % seen.length]! : `nobody-${i}`;
            const out = a.frames(Buffer.from(id));
            for (const verdict of judgeAtClient(out, LIMITS.maxPayloadBytes, LIMITS.maxDepth))
              log.push({ kind: "answer", verdict });
            sentByCategory[a.category] = (sentByCategory[a.category] ?? 0) + 1;
            await router.send([req.peerId, ...out]);
          }
          i++;
        }
      } catch {
        /* the ROUTER closed */
      }
    })();

    const client = new RpcClient(transport, { topic: "rev" }, { timeoutMs: TIMEOUT_MS });
    const outcomes = new Map<number, Outcome>();
    let next = 0;
    let casts = 0;
    const castErrors: unknown[] = [];
    const worker = async () => {
      for (let n = next++; n < CALLS; n = next++) {
        if (n % 10 === 9) {
          await client.cast({}, "anything", { n }).catch((err: unknown) => castErrors.push(err)); // settles once a connection took it
          casts++;
          continue;
        }
        const started = Date.now();
        try {
          outcomes.set(n, { ok: true, value: await client.call({}, "anything", { n }), ms: Date.now() - started });
        } catch (err) {
          outcomes.set(n, { ok: false, err, ms: Date.now() - started });
        }
      }
    };
    const workers = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await waitFor(() => outcomes.size + casts === CALLS, 120_000, "every call to settle");
    await workers;
    assert.equal(await client.call({}, "sync"), "synced");

    // The spec's outcome of each call: replay the server's output in the order it was sent (one connection).
    assert.equal(peers.size, 1, "the client used one connection, so its answers arrived in the order sent");
    const decisive = new Map<string, ReplyVerdict>();
    const pending = new Set<string>();
    const want = { malformed: 0, stale: 0, staleAcks: 0 };
    // By kind as the client counts them: an oversized answer naming no pending call is "shape"
    // (codec.ts, oversized), and the oracle leaves "depth" and "json" together where either may apply.
    const wantByKind = new Map<string, number>();
    for (const e of log) {
      if (e.kind === "request") {
        if (e.call) pending.add(e.id);
        continue;
      }
      const v = e.verdict;
      if ((v.verdict === "reply" || v.verdict === "oversized") && pending.has(v.id)) {
        decisive.set(v.id, v);
        pending.delete(v.id);
      } else if (v.verdict === "malformed" || v.verdict === "oversized") {
        want.malformed++;
        const kind =
          v.verdict === "oversized" ? "shape" : v.kind === "depth" || v.kind === "json" ? "depth|json" : v.kind;
        wantByKind.set(kind, (wantByKind.get(kind) ?? 0) + 1);
      } else if (v.verdict === "reply") want.stale++;
      else want.staleAcks++;
    }
    let late = 0;
    let maxOverMs = 0;
    const kinds: Record<string, number> = {};
    for (const [n, o] of outcomes) {
      const want = decisive.get(idOfCall.get(n)!);
      const name = o.ok ? "value" : (o.err as Error).constructor.name;
      kinds[name] = (kinds[name] ?? 0) + 1;
      if (!o.ok) {
        assert.ok(o.err instanceof Error, `call ${n} rejected with a non-Error`);
        const typed =
          o.err instanceof MessagingError ||
          [RangeError, TypeError, Error, AppError].includes(o.err.constructor as never);
        assert.ok(typed, `call ${n}: ${name} is not a typed error`);
      }
      if (!o.ok && o.err instanceof MessagingTimeout) {
        assert.ok(o.ms >= TIMEOUT_MS - 5, `call ${n} timed out early, after ${o.ms} ms`);
        assert.ok(o.ms < TIMEOUT_MS + HANG_MARGIN_MS, `call ${n} settled ${o.ms} ms after it started`);
        maxOverMs = Math.max(maxOverMs, o.ms - TIMEOUT_MS);
        if (want !== undefined) late++; // its answer came after the deadline on a busy machine
        continue;
      }
      assert.ok(want !== undefined, `call ${n} settled (${name}) without a well-formed reply naming it`);
      if (want.verdict === "oversized") assert.ok(!o.ok && o.err instanceof PayloadTooLarge, `call ${n}: ${name}`);
      else if (want.verdict === "reply" && want.failure === null) assert.deepEqual(o.ok && o.value, want.body);
      else if (want.verdict === "reply") {
        const rebuilt = deserializeRemoteError(want.failure!, REMOTE_ERRORS);
        assert.ok(!o.ok, `call ${n} resolved; its reply was a failure`);
        assert.equal((o.err as Error).constructor, rebuilt.constructor, `call ${n}: ${name}`);
        assert.equal((o.err as Error).message, rebuilt.message);
      }
    }
    assert.deepEqual(crashes, [], "no uncaught exception, no unhandled rejection");
    assert.deepEqual(badRequests, [], "every request the client sent was well formed");
    assert.deepEqual(castErrors, [], "every cast was taken by the connection");
    assert.equal(Object.getOwnPropertyNames(Object.prototype).join(), protoKeys, "Object.prototype unchanged");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(late <= outcomes.size / 20, `${late} calls timed out although their reply was sent`);
    const stats = transportInternals(transport).engine.stats;
    assert.equal(stats.staleAcks, want.staleAcks, "acks are off: every ACK is stale");
    const byKind = stats.malformedRepliesByKind;
    assert.equal(
      Object.values(byKind).reduce((a, b) => a + b, 0),
      stats.malformedReplies,
      "malformed answers by kind add up to the count",
    );
    if (late === 0) {
      // Without a late answer the client's counters are exactly the replay's.
      assert.equal(
        stats.malformedReplies,
        want.malformed,
        "malformed answers (and oversized ones naming no pending call)",
      );
      assert.equal(stats.staleReplies, want.stale, "well-formed replies naming no pending call");
      const counted = new Map<string, number>();
      for (const [kind, n] of Object.entries(byKind)) {
        const k = kind === "depth" || kind === "json" ? "depth|json" : kind;
        if (n > 0) counted.set(k, (counted.get(k) ?? 0) + n);
      }
      assert.deepEqual(
        Object.fromEntries([...counted].sort()),
        Object.fromEntries([...wantByKind].sort()),
        "by kind, as the oracle says",
      );
      assert.equal(stats.replies, decisive.size + 1, "replies that settled a call (and the sync call)");
    }
    t.diagnostic(
      JSON.stringify({
        seed: SEED,
        calls: outcomes.size,
        casts,
        answersByCategory: sentByCategory,
        outcomes: kinds,
        lateTimeouts: late,
        maxMsPastDeadline: maxOverMs,
        client: {
          replies: stats.replies,
          staleReplies: stats.staleReplies,
          malformedReplies: stats.malformedReplies,
          malformedRepliesByKind: byKind,
          staleAcks: stats.staleAcks,
        },
        crashes: crashes.length,
      }),
    );
  } finally {
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
    await transport?.close();
    router.close();
    await mm.close();
  }
});

test("fuzz - a server answering calls it never received (ids of calls in flight at another server): the replies are stale", async () => {
  const mm = new InProcessMatchmaker(new NodeClock());
  const transport = await getRpcTransport("zmq://", { matchmaker: mm });
  const fake = new zmq.Router({ linger: 0 });
  let release = (): void => undefined;
  try {
    const honest = getRpcServer(transport, { topic: "shared", server: "honest" }, [
      { slow: () => new Promise((r) => (release = () => r("honest"))) },
    ]);
    await honest.start();
    await fake.bind("tcp://127.0.0.1:*");
    await mm.register(serverKey({ topic: "shared", server: "fake" }), fake.lastEndpoint!, null);
    void (async () => {
      try {
        for await (const frames of fake) {
          const r = decodeRequest(frames);
          if (!r.ok) continue;
          // The id is a per-client prefix and a base-36 counter: the neighbours are other calls of this client.
          const dot = r.value.messageId.lastIndexOf(".");
          const n = Number.parseInt(r.value.messageId.slice(dot + 1), 36);
          for (let k = Math.max(0, n - 3); k <= n + 3; k++) {
            const id = `${r.value.messageId.slice(0, dot + 1)}${k.toString(36)}`;
            await fake.send(encodeReply(r.value.peerId, id, "forged", null));
          }
        }
      } catch {
        /* closed */
      }
    })();
    const toHonest = new RpcClient(transport, { topic: "shared", server: "honest" }, { timeoutMs: 10_000 });
    const toFake = new RpcClient(transport, { topic: "shared", server: "fake" }, { timeoutMs: 10_000 });
    const stale = transportInternals(transport).engine.stats.staleReplies;
    const inFlight = toHonest.call({}, "slow");
    await waitFor(() => honest.stats.received === 1, 5000, "the honest server to get the call");
    assert.equal(await toFake.call({}, "anything"), "forged", "the fake answers its own call");
    await toFake.call({}, "anything"); // on the same connection, after the first forgeries: they have all been read
    assert.ok(
      transportInternals(transport).engine.stats.staleReplies > stale,
      "the forgery for the honest call was stale",
    );
    release();
    assert.equal(await inFlight, "honest", "the call in flight got its own server's reply");
  } finally {
    release(); // a stopping server waits for its running calls
    fake.close();
    await transport.close();
    await mm.close();
  }
});
