/**
 * Goal: whatever a caller hands the public API, a mistake the driver can see locally is
 * reported at once and in the driver's words. Property, for arbitrary values in every
 * argument position of getRpcTransport, new RpcClient, prepare, call, cast and getRpcServer:
 * the operation succeeds, or fails with one of the driver's typed errors (never
 * MessagingTimeout or MessageDeliveryFailure: every well-formed request here names a live
 * server), or with a TypeError/RangeError whose message names the argument; no message is
 * an internal one ("Cannot read properties of undefined" and the like). A live server keeps
 * serving throughout.
 * Method: fast-check over real sockets and the in-process matchmaker. Well-formed values are
 * mixed with fc.anything() (BigInt, Map, Set, typed arrays, null prototypes, sparse arrays),
 * circular objects and one-field corruptions of well-formed targets and options.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import {
  getRpcServer,
  getRpcTransport,
  MessagingError,
  RpcClient,
  type RpcServer,
  type Transport,
} from "../../src/index.js";
import { InProcessMatchmaker, NodeClock } from "../../src/internal.js";

const TIMEOUT_MS = 5000;
const NUM_RUNS = Number(process.env.API_PROPERTY_RUNS ?? 150);
/** Messages of errors JavaScript raises on a bug: never acceptable from the driver. */
const INTERNAL =
  /Cannot read prop|Cannot set prop|is not a function|is not iterable|is not a constructor|undefined \(reading/;
/** A TypeError/RangeError must say what it is about, from the caller's side. */
const NAMES_ARGUMENT =
  /^(RpcClient|getRpcServer|getRpcTransport|DriverOptions|RedisMatchmakerOptions|pool\.)|\b(args|context|result)\b[.[ ]/;

const anything = fc.anything({
  withBigInt: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
  withDate: true,
  withBoxedValues: true,
  maxDepth: 3,
});
const circular = fc.constant(null).map(() => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
});
const weird = fc.oneof(anything, circular);
/** A value that is usually well formed, else anything. */
const mostly = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: good }, weird);
/** A record of well-formed fields with, sometimes, one field replaced by anything. */
function corrupted(good: fc.Arbitrary<Record<string, unknown>>, keys: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: good },
    fc.tuple(good, fc.constantFrom(...keys), weird).map(([r, k, v]) => ({ ...r, [k]: v })),
    weird,
  );
}

type Outcome = { ok: true } | { ok: false; error: unknown };

async function outcome(run: () => unknown): Promise<Outcome> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The property's verdict on one failure; undefined when acceptable. */
function problem(error: unknown): string | undefined {
  if (error instanceof MessagingError) {
    if (error.code === "MessagingTimeout" || error.code === "MessageDeliveryFailure")
      return `waited for the deadline: ${error.message}`;
    if (INTERNAL.test(error.message)) return `internal message in ${error.code}: ${error.message}`;
    return undefined;
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    if (INTERNAL.test(error.message)) return `internal message: ${error.message}`;
    if (!NAMES_ARGUMENT.test(error.message)) return `does not name the argument: ${error.message}`;
    return undefined;
  }
  return `not a driver error: ${String(error)}`;
}

/** Outcomes seen, so that a property can show it was not vacuous (both successes and refusals). */
const seen = { ok: 0, refused: 0 };

/**
 * A one-field corruption can leave a well-formed target that names nobody (topic " ", an
 * exchange or server no server listens on): the request then waits for a server until its
 * deadline, as it should, so a timeout is its due (fast-check found topic " ").
 */
function namesNobody(target: unknown): boolean {
  if (typeof target !== "object" || target === null) return false;
  const t = target as Record<string, unknown>;
  return (
    (typeof t.topic === "string" && t.topic !== "api") ||
    (typeof t.server === "string" && t.server !== "s1") ||
    (typeof t.exchange === "string" && t.exchange !== "openstack")
  );
}

/** `shortTimeout`: the caller itself chose a timeout too short to reach the server, or named nobody; a timeout is its due. */
function check(o: Outcome, shortTimeout = false): void {
  if (o.ok) {
    seen.ok++;
    return;
  }
  seen.refused++;
  if (shortTimeout && o.error instanceof MessagingError && o.error.retryable) return;
  const p = problem(o.error);
  assert.equal(p, undefined, p);
}

describe("public API property", () => {
  const mm = new InProcessMatchmaker(new NodeClock());
  let transport: Transport;
  let server: RpcServer;
  const endpoint = { echo: (_c: unknown, a: Record<string, unknown>) => a.v ?? null, ping: () => "pong" };
  const liveTarget = fc.record(
    {
      topic: fc.constant("api"),
      server: fc.constantFrom(undefined, "s1"),
      version: fc.constantFrom(undefined, "1.0", "1.1", "2.0"),
      namespace: fc.constantFrom(undefined, null, "other"),
      fanout: fc.boolean(),
    },
    { requiredKeys: ["topic"] },
  );
  const TARGET_KEYS = ["topic", "server", "version", "namespace", "fanout", "exchange", "legacyNamespaces"];
  const clientOptions = fc.record(
    {
      timeoutMs: fc.constant(TIMEOUT_MS),
      retry: fc.constantFrom(null, -1, 0, 3),
      versionCap: fc.constantFrom(null, "1.0", "2.5"),
    },
    { requiredKeys: [] },
  );
  const kwargs = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  const method = mostly(fc.constantFrom("echo", "ping", "nope", "_private", "constructor", "toString", ""));

  before(async () => {
    transport = await getRpcTransport("zmq://", { matchmaker: mm, maxPayloadBytes: 1 << 20 });
    server = getRpcServer(transport, { topic: "api", server: "s1" }, [endpoint]);
    await server.start();
  });
  after(async () => {
    await transport.close();
    await mm.close();
  });

  const stillServing = async (): Promise<void> => {
    const c = new RpcClient(transport, { topic: "api" }, { timeoutMs: TIMEOUT_MS });
    assert.equal(await c.call({}, "echo", { v: "alive" }), "alive");
  };

  test("public API property - RpcClient construction, prepare, call and cast: success or an immediate, named error", async () => {
    await fc.assert(
      fc.asyncProperty(
        corrupted(liveTarget, TARGET_KEYS),
        corrupted(clientOptions, ["timeoutMs", "retry", "versionCap", "serializer"]),
        fc.option(corrupted(fc.record({ version: fc.constantFrom("1.0", "1.1") }), TARGET_KEYS), { nil: undefined }),
        mostly(kwargs),
        method,
        mostly(kwargs),
        fc.boolean(),
        async (target, options, overrides, ctx, m, args, isCall) => {
          const bag = typeof options === "object" && options !== null && !Array.isArray(options);
          const opts = bag ? { timeoutMs: TIMEOUT_MS, ...options } : options;
          const t = (opts as { timeoutMs?: unknown } | null)?.timeoutMs;
          check(
            await outcome(async () => {
              // @ts-expect-error arbitrary values in every position
              let c = new RpcClient(transport, target, opts);
              // @ts-expect-error
              if (overrides !== undefined) c = c.prepare(overrides);
              // @ts-expect-error
              await (isCall ? c.call(ctx, m, args) : c.cast(ctx, m, args));
            }),
            (typeof t === "number" && t < TIMEOUT_MS) || namesNobody(target) || namesNobody(overrides),
          );
        },
      ),
      { numRuns: NUM_RUNS },
    );
    assert.ok(seen.ok > 0 && seen.refused > 0, `not vacuous: ${JSON.stringify(seen)}`);
    await stillServing();
  });

  test("public API property - getRpcServer with arbitrary target, endpoints and options: it starts and stops, or refuses at once", async () => {
    let n = 0;
    const serverTarget = fc.record({ topic: fc.constant("api-servers"), server: fc.constant("x") });
    const endpoints = mostly(
      fc.array(
        fc.oneof(fc.constant(endpoint), fc.record({ target: mostly(fc.record({ version: fc.constant("1.0") })) })),
        {
          maxLength: 3,
        },
      ),
    );
    const serverOptions = corrupted(
      fc.record(
        {
          maxConcurrency: fc.integer({ min: 1, max: 8 }),
          accessPolicy: fc.constantFrom("default", "legacy", "explicit"),
        },
        { requiredKeys: [] },
      ),
      ["maxConcurrency", "accessPolicy", "serializer"],
    );
    await fc.assert(
      fc.asyncProperty(corrupted(serverTarget, TARGET_KEYS), endpoints, serverOptions, async (t, eps, opts) => {
        check(
          await outcome(async () => {
            // @ts-expect-error arbitrary values in every position
            const s = getRpcServer(transport, t, eps, opts);
            n++;
            await s.start();
            await s.stop();
          }),
        );
      }),
      { numRuns: Math.ceil(NUM_RUNS / 3) },
    );
    assert.ok(n > 0, "some generated servers were well formed and started");
    await stillServing();
  });

  test("public API property - getRpcTransport with arbitrary url and options: a transport, or an immediate, named error", async () => {
    const driverOptions = corrupted(
      fc.record(
        {
          rpcResponseTimeoutMs: fc.integer({ min: 0, max: 60_000 }),
          maxPayloadBytes: fc.integer({ min: 1, max: 1 << 26 }),
          pool: fc.record({ maxSockets: fc.integer({ min: 1, max: 64 }) }),
          bindAddress: fc.constant("127.0.0.1"),
          registrationTtlMs: fc.constantFrom(null, 1000),
        },
        { requiredKeys: [] },
      ),
      [
        "rpcResponseTimeoutMs",
        "maxPayloadBytes",
        "pool",
        "bindAddress",
        "registrationTtlMs",
        "ports",
        "matchmaker",
        "remoteErrors",
        "redisMatchmaker",
        "lingerMs",
      ],
    );
    await fc.assert(
      fc.asyncProperty(
        mostly(fc.constantFrom("zmq://", "zmq:///", "zmq+redis://", "tcp://x", "")),
        driverOptions,
        async (url, opts) => {
          check(
            await outcome(async () => {
              // @ts-expect-error arbitrary values in every position
              const t = await getRpcTransport(url, { ...(typeof opts === "object" ? opts : {}), matchmaker: mm });
              await t.close();
            }),
          );
          // @ts-expect-error the options bag itself may be anything
          check(await outcome(async () => (await getRpcTransport("zmq://", opts)).close()));
        },
      ),
      { numRuns: NUM_RUNS },
    );
    await stillServing();
  });
});
