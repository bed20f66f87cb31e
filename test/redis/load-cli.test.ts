/**
 * Goal: `npm run load` end to end over a real Redis (spec/load.md): an rpc-server and a
 * notify-server in their own processes print "ready"; an rpc-client process's calls all
 * come back (sent == received, lost 0, latency reported) and its chart is well-formed SVG
 * with the series and the redacted URL; its casts are all counted by the server it asks
 * (load_stats), and so are a notify-client's notifications; servers stop on SIGTERM with
 * exit status 0, printing what they received. Bad usage exits 2 with the usage text.
 * Method: a redis-server from test/support/redis-server.ts, the CLI as child processes
 * (node --import tsx), the four clients started together, their --json reports parsed.
 * Counts only, no timed assertions.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LoadReport } from "../../src/load/run-stats.js";
import { LOAD_CLI, spawnLoadServer, type LoadServerChild } from "../support/load-child.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { runScript, type ScriptRun } from "../support/run-script.js";
import { elements, parseXml } from "../support/xml-check.js";

const load = (args: string[]) => runScript(LOAD_CLI, args, { timeoutMs: 60_000 });

/** Runs a client that would send for a minute, and sends it SIGINT once it printed its first progress line. */
function interruptAfterProgress(args: string[]): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", LOAD_CLI, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const first = !/^load: /m.test(stderr);
      stderr += d.toString();
      if (first && /^load: /m.test(stderr)) child.kill("SIGINT");
    });
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolve({ code: code ?? -1, stdout, stderr, out: `${stdout}\n${stderr}` });
    });
  });
}

function report(run: { code: number; stdout: string; stderr: string }): LoadReport {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  const lines = run.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as LoadReport;
}

test("load cli - bad usage exits 2 with the usage text; --help exits 0", async () => {
  const [bad, wrongMode, help] = await Promise.all([
    load(["rpc-client", "--url", "zmq+redis://127.0.0.1:1", "--count", "x"]),
    load(["rpc-server", "--url", "zmq+redis://127.0.0.1:1", "--cast"]),
    load(["--help"]),
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--count needs an integer >= 1, got x/);
  assert.match(bad.stderr, /usage: npm run load -- <mode>/);
  assert.equal(wrongMode.code, 2);
  assert.match(wrongMode.stderr, /rpc-server does not take --cast/);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /zmq:\/\/ works only inside one process/);
});

describe("load cli over a real Redis", { skip: redisSkipReason() }, () => {
  let redis: RedisProcess;
  let rpcServer: LoadServerChild;
  let notifyServer: LoadServerChild;
  let dir: string;
  let url: string;
  let svgFile: string;
  /** The four client runs, started together once the servers are ready (each test awaits its own). */
  let clients: Record<"calls" | "casts" | "notify" | "nobody" | "interrupted", Promise<ScriptRun>>;
  before(async () => {
    redis = await startRedis({ password: "s3cret-load" });
    url = `zmq+redis://:s3cret-load@127.0.0.1:${redis.port}`;
    dir = mkdtempSync(join(tmpdir(), "zmq-load-"));
    rpcServer = spawnLoadServer(["rpc-server", "--url", url, "--topic", "lt", "--server", "s1"]);
    notifyServer = spawnLoadServer(["notify-server", "--url", url, "--topic", "nt", "--server", "n1", "--json"]);
    await Promise.all([rpcServer.ready, notifyServer.ready]);
    svgFile = join(dir, "calls.svg");
    // An rpc-client run on topic `topic` with `extra` options, its report as JSON.
    const rpcClient = (topic: string, ...extra: string[]) =>
      load(["rpc-client", "--url", url, "--topic", topic, ...extra, "--json", "--no-progress"]);
    clients = {
      calls: rpcClient("lt", "--count", "200", "--concurrency", "8", "--svg", svgFile),
      casts: rpcClient("lt", "--count", "300", "--cast", "--size", "100"),
      notify: load(["notify-client", "--url", url, "--topic", "nt", "--count", "150", "--json", "--no-progress"]),
      nobody: rpcClient("nobody", "--count", "3", "--cast", "--timeout-ms", "300", "--settle-ms", "100"),
      interrupted: interruptAfterProgress([
        "rpc-client",
        "--url",
        url,
        "--topic",
        "lt",
        "--duration-ms",
        "60000",
        "--size",
        "10",
        "--json",
      ]),
    };
  });
  after(async () => {
    if (clients) await Promise.allSettled(Object.values(clients));
    await rpcServer?.stop();
    await notifyServer?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("load cli - servers print a ready line naming mode, topic and server", async () => {
    assert.match(await rpcServer.ready, /^load rpc-server ready topic=lt server=s1 hosts=tcp:\/\//);
    assert.match(await notifyServer.ready, /^load notify-server ready topic=nt server=n1 /);
  });

  test("load cli - rpc-client calls: sent == received, lost 0, latency reported; the SVG parses and shows the run", async () => {
    const r = report(await clients.calls);
    assert.equal(r.mode, "rpc-client");
    assert.equal(r.sent, 200);
    assert.equal(r.received, 200);
    assert.equal(r.lost, 0);
    assert.deepEqual(r.lostBreakdown, { timeouts: 0, errors: 0, unaccounted: 0 });
    assert.ok(r.latencyMs !== null && r.latencyMs.minMs <= r.latencyMs.p50Ms && r.latencyMs.p99Ms <= r.latencyMs.maxMs);
    assert.ok(r.msgsPerSec > 0 && r.bytesPerSec > 0);
    assert.equal(
      r.series.reduce((n, p) => n + p.completed, 0),
      200,
    );
    assert.equal(r.url, `zmq+redis://:***@127.0.0.1:${redis.port}`);
    const svgText = readFileSync(svgFile, "utf8");
    assert.ok(!svgText.includes("s3cret-load"), "the chart shows no password");
    const svg = parseXml(svgText);
    const title = elements(svg).find((e) => e.name === "title")?.text ?? "";
    assert.match(title, /rpc-client zmq\+redis:\/\/:\*\*\*@127\.0\.0\.1/);
    assert.deepEqual(
      elements(svg)
        .filter((e) => e.name === "polyline")
        .map((e) => e.attrs["data-series"]),
      ["msgs/s", "p50", "p99"],
    );
  });

  test("load cli - rpc-client casts: the server counts every one (load_stats), lost 0", async () => {
    const r = report(await clients.casts);
    assert.equal(r.sent, 300);
    assert.equal(r.received, 300);
    assert.equal(r.lost, 0);
    assert.deepEqual(r.servers, [{ server: "s1", received: 300 }]);
    assert.equal(r.latencyMs, null);
    assert.equal(r.bytesPerSec > 0, true);
  });

  test("load cli - notify-client: the notify-server counts every notification, lost 0", async () => {
    const r = report(await clients.notify);
    assert.equal(r.sent, 150);
    assert.equal(r.received, 150);
    assert.equal(r.lost, 0);
    assert.deepEqual(r.servers, [{ server: "n1", received: 150 }]);
  });

  test("load cli - casts to a topic without servers are all lost, as timeouts or errors (none unaccounted)", async () => {
    const r = report(await clients.nobody);
    assert.equal(r.sent, 3);
    assert.equal(r.received, 0);
    assert.equal(r.lost, 3);
    assert.equal(r.lostBreakdown.timeouts + r.lostBreakdown.errors, 3);
    assert.equal(r.lostBreakdown.unaccounted, 0);
  });

  test("load cli - without --no-progress a client prints progress lines on stderr (not a terminal); SIGINT ends its run early and the report still comes, nothing lost", async () => {
    const run = await clients.interrupted;
    assert.match(run.stderr, /^load: [\d,]+ msgs, [\d,]+ msgs\/s, 0 failed, [\d.]+ s$/m);
    assert.match(run.stderr, /load: stopping: no new messages/);
    const r = report(run);
    assert.ok(r.sent > 0);
    assert.equal(r.received, r.sent);
    assert.equal(r.lost, 0);
  });

  test("load cli - servers stop on SIGTERM with exit 0 and print what they received", async () => {
    await Promise.all(Object.values(clients));
    const [rpc, notify] = await Promise.all([rpcServer.stop(), notifyServer.stop()]);
    assert.equal(rpc.code, 0, rpc.out);
    // 200 calls, 300 casts and the interrupted client's calls; the load_stats calls are not load messages.
    const interrupted = report(await clients.interrupted).received;
    assert.match(
      rpc.out,
      new RegExp(
        `load rpc-server stopped \\(SIGTERM\\): received ${500 + interrupted} messages, \\d+ payload bytes, 3 runs`,
      ),
    );
    assert.equal(notify.code, 0, notify.out);
    const last = notify.out.trim().split("\n").pop()!;
    assert.deepEqual(JSON.parse(last), {
      mode: "notify-server",
      server: "n1",
      received: 150,
      bytes: JSON.parse(last).bytes,
      runs: 1,
    });
  });
});
