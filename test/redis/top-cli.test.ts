/**
 * Goal: the live-view commands against a real Redis (spec/observability.md, "Published
 * server stats"): `npm run matchmaker -- watch` prints registrations and removals as they
 * happen; `npm run top` shows topics, servers with their TTL left, and calls/s and p99
 * from the stats servers publish; both report bad usage with exit status 2.
 * Method: a real redis-server; the CLIs as child processes (node --import tsx), their
 * output read; servers on a zmq+redis:// transport with statsPublishIntervalMs.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { getRpcServer, getRpcTransport, RpcClient, type Transport } from "../../src/index.js";
import { parseTopArgs } from "../../src/matchmaker/redis/top.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { runScript } from "../support/run-script.js";

const CLI = fileURLToPath(new URL("../../src/matchmaker/redis/cli.ts", import.meta.url));
const TOP = fileURLToPath(new URL("../../src/matchmaker/redis/top.ts", import.meta.url));
const run = (script: string, args: string[]) => runScript(script, args);

test("top arguments - defaults, --once, --iterations, --interval-ms; mistakes are usage errors", () => {
  assert.deepEqual(parseTopArgs([]), { url: "zmq+redis://127.0.0.1:6379", intervalMs: 1000, iterations: undefined });
  assert.deepEqual(parseTopArgs(["--once", "--url", "zmq+redis://r:1", "--prefix", "p:"]), {
    url: "zmq+redis://r:1",
    keyPrefix: "p:",
    intervalMs: 1000,
    iterations: 1,
  });
  assert.equal(parseTopArgs(["--iterations", "3", "--interval-ms", "200"]).iterations, 3);
  assert.throws(() => parseTopArgs(["--once", "--iterations", "2"]), /exclude/);
  assert.throws(() => parseTopArgs(["--interval-ms", "0"]), /--interval-ms/);
  assert.throws(() => parseTopArgs(["extra"]), /unexpected/);
});

describe("watch and top against a real Redis", { skip: redisSkipReason() }, () => {
  let redis: RedisProcess;
  let transport: Transport;
  before(async () => {
    redis = await startRedis();
    transport = await getRpcTransport(redis.url, { statsPublishIntervalMs: 100 });
  });
  after(async () => {
    await transport?.close();
    await redis?.stop();
  });

  test("watch - prints a registration and a removal as they happen", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, "watch", "--url", redis.url], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const until = async (check: () => boolean, what: string) => {
        for (let i = 0; i < 1500 && !check() && child.exitCode === null; i++)
          await new Promise((r) => setTimeout(r, 20));
        assert.ok(check(), `${what}; stdout: ${out}; stderr: ${err}`);
      };
      await until(() => err.includes("watching redis 127.0.0.1:"), "watch announced itself");
      const server = getRpcServer(transport, { topic: "watched", server: "w1" }, [{}]);
      await server.start();
      await until(() => out.includes("registered   openstack/watched/w1"), "the registration was printed");
      assert.match(out, new RegExp(`registered {3}openstack/watched {2}${server.host!.replace(/\./g, "\\.")}`));
      await server.stop();
      await until(() => out.includes("unregistered openstack/watched/w1"), "the removal was printed");
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
    }
    assert.equal(child.exitCode, 0, "SIGTERM ends watch with status 0");
  });

  test("top - shows topics, servers with TTL left, calls/s and p99 from the published stats", async () => {
    const s1 = getRpcServer(transport, { topic: "topped", server: "t1" }, [
      { echo: (_c: unknown, a: { v: number }) => a.v },
    ]);
    const s2 = getRpcServer(transport, { topic: "topped", server: "t2" }, [
      { echo: (_c: unknown, a: { v: number }) => a.v },
    ]);
    await s1.start();
    await s2.start();
    const client = new RpcClient(transport, { topic: "topped" });
    let calling = true;
    const load = (async () => {
      while (calling) await client.call({}, "echo", { v: 1 });
    })();
    try {
      const r = await run(TOP, ["--url", redis.url, "--interval-ms", "600", "--iterations", "2"]);
      assert.equal(r.code, 0, r.stderr);
      const screens = r.stdout.split("zmq top  ").filter(Boolean);
      assert.equal(screens.length, 2, r.stdout);
      const last = screens[1]!;
      assert.match(last, /openstack\/topped {2}servers 2 {2}calls\/s \d+\.\d {2}p99 <= \d+ ms/);
      for (const [name, s] of [
        ["t1", s1],
        ["t2", s2],
      ] as const) {
        const line = last.split("\n").find((l) => l.trimStart().startsWith(name))!;
        assert.ok(line, `a line for ${name}: ${last}`);
        assert.ok(line.includes(s.host!), line);
        assert.match(line, /ttl \d+\.\d s/);
        const cps = Number(/calls\/s +([\d.]+)/.exec(line)?.[1]);
        assert.ok(cps > 0, `calls/s of ${name} > 0: ${line}`);
        assert.match(line, /p99 <= \d+ ms/);
      }
    } finally {
      calling = false;
      await load;
      await s1.stop();
      await s2.stop();
    }
  });

  test("top - a topic whose servers do not publish shows '-' for calls/s and p99; --once prints one screen", async () => {
    const quiet = await getRpcTransport(redis.url);
    const s = getRpcServer(quiet, { topic: "quiet", server: "q1" }, [{}]);
    await s.start();
    try {
      const r = await run(TOP, ["--url", redis.url, "--interval-ms", "100", "--once"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split("zmq top  ").filter(Boolean).length, 1);
      assert.match(r.stdout, /openstack\/quiet {2}servers 1 {2}calls\/s - {2}p99 -/);
    } finally {
      await s.stop();
      await quiet.close();
    }
  });

  test("top - bad usage exits 2; an unreachable Redis exits 1", async () => {
    assert.equal((await run(TOP, ["--bogus"])).code, 2);
    const down = await run(TOP, ["--url", "zmq+redis://127.0.0.1:1", "--once"]);
    assert.equal(down.code, 1, down.stderr);
  });
});
