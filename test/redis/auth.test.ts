/**
 * Goal: the Redis matchmaker authenticates: with `requirepass` (the default user) and
 * with an ACL user that has exactly the rules of `aclRules()` (spec/matchmaker-redis.md),
 * calls, casts and the CLI work; wrong credentials fail getRpcTransport with
 * MatchmakerUnavailable (reason "authentication", not retryable) naming the cause, the
 * connections are closed (no reconnect loop), and the password appears nowhere: not in the
 * message, the stack, the cause chain (ioredis's HELLO arguments included), JSON or
 * util.inspect of the transport. A user the ACL does not allow the scripts fails its
 * registration with reason "permission".
 * Method: a real redis-server with `requirepass` and ACL users from redis.conf; transports
 * in this process; the CLI as a child process.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { getRpcServer, getRpcTransport, MatchmakerUnavailable, RpcClient, type Transport } from "../../src/index.js";
import { aclRules, transportInternals, type RedisMatchmaker } from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { runScript } from "../support/run-script.js";
import { causeChain, everythingPrinted } from "./support/printed.js";

const ADMIN_PASSWORD = "adm1n-Pa55:w@rd/%";
const MM_USER = "matchmaker";
const MM_PASSWORD = "mm-S3cret+ü@x";
const WRONG = "wr0ng-Guess-9f3c";
const CLI = fileURLToPath(new URL("../../src/matchmaker/redis/cli.ts", import.meta.url));
const runCli = (args: string[], env: Record<string, string> = {}) => runScript(CLI, args, { timeoutMs: 60_000, env });

describe("Redis authentication", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let admin: Redis;
  let dir: string;
  const url = (user: string, password: string): string =>
    `zmq+redis://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${redis.port}`;
  const transports: Transport[] = [];
  const open = async (u: string): Promise<Transport> => {
    const t = await getRpcTransport(u);
    transports.push(t);
    return t;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zmq-mm-auth-"));
    redis = await startRedis({
      dir,
      password: ADMIN_PASSWORD,
      config: [
        `user ${MM_USER} on >${MM_PASSWORD} ${aclRules().join(" ")}`,
        // Allowed to connect and subscribe, not to run the scripts.
        `user noscripts on >${MM_PASSWORD} ~zmq-mm:* &* -@all +info +subscribe`,
      ],
    });
    admin = new Redis({ host: "127.0.0.1", port: redis.port, password: ADMIN_PASSWORD });
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    admin?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("requirepass: the default user's password from the URL (zmq+redis://:password@host); calls work", async () => {
    const topic = `auth-${randomUUID().slice(0, 8)}`;
    const serverT = await open(`zmq+redis://:${encodeURIComponent(ADMIN_PASSWORD)}@127.0.0.1:${redis.port}`);
    const clientT = await open(url("default", ADMIN_PASSWORD));
    await getRpcServer(serverT, { topic, server: "s1" }, [{ ping: () => "pong" }]).start();
    assert.equal(await new RpcClient(clientT, { topic }, { timeoutMs: 5000 }).call({}, "ping"), "pong");
  });

  test("an ACL user with exactly aclRules(): calls, casts and fanouts work", async () => {
    // The user really is restricted: another key, another command, another channel are refused.
    const restricted = new Redis({ host: "127.0.0.1", port: redis.port, username: MM_USER, password: MM_PASSWORD });
    try {
      await assert.rejects(restricted.get("zmq-mm:x"), /NOPERM/);
      await assert.rejects(restricted.eval("return 1", 1, "other:key"), /NOPERM/);
      await assert.rejects(restricted.publish("other-channel", "x"), /NOPERM/);
    } finally {
      restricted.disconnect();
    }
    const topic = `acl-${randomUUID().slice(0, 8)}`;
    const serverT = await open(url(MM_USER, MM_PASSWORD));
    const clientT = await open(url(MM_USER, MM_PASSWORD));
    const casts: string[] = [];
    const server = getRpcServer(serverT, { topic, server: "s1" }, [
      { ping: () => "pong", note: (_c: unknown, a: { n: string }) => void casts.push(a.n) },
    ]);
    await server.start();
    const c = new RpcClient(clientT, { topic }, { timeoutMs: 5000 });
    assert.equal(await c.call({}, "ping"), "pong");
    await c.cast({}, "note", { n: "one" });
    await c.prepare({ fanout: true }).cast({}, "note", { n: "all" });
    for (let i = 0; i < 200 && casts.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(casts.sort(), ["all", "one"]);
    const mm = transportInternals(serverT).deps.matchmaker as RedisMatchmaker;
    assert.equal(mm.stats.failures, 0, "no command of the matchmaker was refused");
  });

  for (const [name, makeUrl, cause] of [
    ["a wrong password", () => url(MM_USER, WRONG), /WRONGPASS/],
    ["an unknown user", () => url("nobody", WRONG), /WRONGPASS/],
    ["a wrong default password", () => `zmq+redis://:${WRONG}@127.0.0.1:${redis.port}`, /WRONGPASS/],
    ["no password", () => `zmq+redis://127.0.0.1:${redis.port}`, /NOAUTH/],
  ] as const) {
    test(`${name}: getRpcTransport fails with MatchmakerUnavailable (authentication), the password nowhere, no reconnect loop`, async () => {
      const before = Number(/total_connections_received:(\d+)/.exec(await admin.info("stats"))![1]);
      const err = await getRpcTransport(makeUrl()).then(
        (t) => {
          transports.push(t);
          throw new Error("getRpcTransport succeeded");
        },
        (e: unknown) => e,
      );
      assert.ok(err instanceof MatchmakerUnavailable, String(err));
      assert.equal(err.reason, "authentication");
      assert.equal(err.retryable, false);
      assert.match(err.message, /^Redis matchmaker \(redis .*127\.0\.0\.1:\d+\/0\): authentication failed \(/);
      assert.match(err.message, cause);
      assert.match(err.message, /the transport was not started/);
      const printed = everythingPrinted(err);
      for (const secret of [WRONG, MM_PASSWORD, ADMIN_PASSWORD, encodeURIComponent(WRONG)])
        assert.equal(printed.includes(secret), false, `the password is in:\n${printed}`);
      assert.ok(
        causeChain(err).some((e) => Array.isArray((e as { command?: { args?: unknown } }).command?.args)),
        "the ioredis error (with its scrubbed HELLO arguments) is on the cause chain",
      );
      // Both connections were closed: the server sees no new connection attempts.
      const afterFail = Number(/total_connections_received:(\d+)/.exec(await admin.info("stats"))![1]);
      await new Promise((r) => setTimeout(r, 700)); // several reconnect back-offs (50, 100, 150 … ms)
      const later = Number(/total_connections_received:(\d+)/.exec(await admin.info("stats"))![1]);
      assert.equal(later, afterFail, `no reconnects after the failure (${afterFail - before} attempts before it)`);
    });
  }

  test("an ACL user that may not run the scripts: its registration fails with reason permission, naming NOPERM", async () => {
    const t = await open(url("noscripts", MM_PASSWORD));
    const err = await getRpcServer(t, { topic: `noperm-${randomUUID().slice(0, 8)}`, server: "s1" }, [
      { ping: () => 1 },
    ])
      .start()
      .then(
        () => new Error("start succeeded"),
        (e: unknown) => e,
      );
    const mu = causeChain(err).find((e) => e instanceof MatchmakerUnavailable) as MatchmakerUnavailable | undefined;
    assert.ok(mu, `a MatchmakerUnavailable on the chain of ${inspect(err)}`);
    assert.equal(mu.reason, "permission");
    assert.match(mu.message, /register failed: permission denied \(NOPERM/);
    assert.equal(everythingPrinted(err).includes(MM_PASSWORD), false);
  });

  test("JSON and util.inspect of a transport, its options and its matchmaker never show the password", async () => {
    const t = await open(url(MM_USER, MM_PASSWORD));
    const mm = transportInternals(t).deps.matchmaker;
    const outputs = [
      JSON.stringify(t),
      inspect(t, { depth: Infinity, showHidden: true }),
      JSON.stringify(t.matchmakerSpec),
      inspect(t.matchmakerSpec, { depth: Infinity, showHidden: true }),
      `${(t.matchmakerSpec as { password?: unknown }).password}`,
      JSON.stringify(t.options),
      inspect(mm, { depth: Infinity, showHidden: true }),
      JSON.stringify(mm),
    ];
    for (const out of outputs) {
      assert.equal(out.includes(MM_PASSWORD) || out.includes(encodeURIComponent(MM_PASSWORD)), false, out);
    }
    assert.match(JSON.stringify(t), /"password":"\*\*\*"/);
    assert.match(inspect(mm), new RegExp(`RedisMatchmaker\\(redis ${MM_USER}@127\\.0\\.0\\.1:${redis.port}/0\\)`));
  });

  test("the CLI takes the credentials from --url, $ZMQ_TRANSPORT_URL or --password-file, and never prints the password", async () => {
    const topic = `cli-auth-${randomUUID().slice(0, 8)}`;
    const serverT = await open(url(MM_USER, MM_PASSWORD));
    await getRpcServer(serverT, { topic, server: "s1" }, [{ ping: () => 1 }]).start();
    const ok1 = await runCli(["hosts", topic, "--url", url(MM_USER, MM_PASSWORD)]);
    assert.equal(ok1.code, 0, ok1.out);
    assert.match(ok1.out, new RegExp(`openstack/${topic}/s1`));
    const ok2 = await runCli(["hosts", topic], { ZMQ_TRANSPORT_URL: url(MM_USER, MM_PASSWORD) });
    assert.equal(ok2.code, 0, ok2.out);
    const file = join(dir, "password");
    writeFileSync(file, `${MM_PASSWORD}\n`, { mode: 0o600 });
    const ok3 = await runCli([
      "hosts",
      topic,
      "--url",
      `zmq+redis://${MM_USER}:@127.0.0.1:${redis.port}`, // the user; the password comes from the file
      "--password-file",
      file,
    ]);
    assert.equal(ok3.code, 0, ok3.out);
    const bad = await runCli(["keys", "--url", url(MM_USER, WRONG)]);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /authentication failed \(WRONGPASS/);
    assert.equal(bad.out.includes(WRONG) || bad.out.includes(encodeURIComponent(WRONG)), false, bad.out);
    for (const r of [ok1, ok2, ok3]) assert.equal(r.out.includes(MM_PASSWORD), false, r.out);
  });
});
