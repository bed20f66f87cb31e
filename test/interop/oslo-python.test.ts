/**
 * Goal: one cluster with the original Python driver. oslo.messaging's zmq driver (tag
 * rocky-eol, with the four patches of scripts/oslo-interop/setup.sh) and this driver with
 * keyScheme "oslo" share one Redis and call each other, with no bridge between key
 * schemes: a Python client calls and casts to a server here and gets its results and
 * errors; a client here calls and casts to a Python server; a missing method is
 * NoSuchMethod here and RemoteError(NoSuchMethod …) in Python; a fanout reaches servers of
 * both kinds; Python rebuilds the failures this driver sends as spec/codec.md says; a
 * notification reaches listeners of both kinds, from a notifier of either kind.
 *
 * Needs the virtualenv scripts/oslo-interop/setup.sh builds: $OSLO_VENV, else
 * ~/.cache/oslo-zmq-interop/venv. Without it (CI) every case is skipped with the reason
 * printed. Each Python process is killed in after(), also on failure. The waits for a
 * Python process are generous (minutes): its start-up alone took over 30 s on a loaded
 * 2-core machine; they bound a hang, they measure nothing.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import {
  getNotificationListener,
  getRpcServer,
  getRpcTransport,
  Notifier,
  NoSuchMethod,
  RemoteError,
  RpcClient,
  serializeRemoteError,
  type Transport,
  UnsupportedVersion,
} from "../../src/internal.js";
import { redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";

const VENV = process.env.OSLO_VENV ?? join(homedir(), ".cache", "oslo-zmq-interop", "venv");
const PYTHON = join(VENV, "bin", "python");
const PEER = resolve("scripts/oslo-interop/peer.py");

function skipReason(): string | undefined {
  const r = redisSkipReason();
  if (r) return r;
  if (!existsSync(PYTHON))
    return `no oslo.messaging virtualenv at ${VENV} (build it with scripts/oslo-interop/setup.sh, or set OSLO_VENV)`;
  const probe = spawnSync(PYTHON, ["-c", "import oslo_messaging._drivers.impl_zmq"], { encoding: "utf8" });
  return probe.status === 0 ? undefined : `${PYTHON} cannot import oslo.messaging's zmq driver: ${probe.stderr.trim()}`;
}

type Line = Record<string, unknown>;

/** A Python peer: its stdout lines, parsed, and a way to wait for one. */
class Peer {
  readonly lines: Line[] = [];
  private waiters: (() => void)[] = [];
  readonly child: ChildProcess;
  constructor(args: string[]) {
    this.child = spawn(PYTHON, [PEER, ...args], { stdio: ["pipe", "pipe", "inherit"] });
    createInterface({ input: this.child.stdout! }).on("line", (l) => {
      try {
        this.lines.push(JSON.parse(l) as Line);
      } catch {
        return;
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async waitFor(pred: (l: Line) => boolean, what: string, ms = 120_000): Promise<Line> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.find(pred);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`python peer: no ${what}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** Waits (bounded, two minutes) until `cond` holds; the assertion after it says what was expected. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !cond(); i++) await new Promise((r) => setTimeout(r, 100));
}

const reason = skipReason();
if (reason) console.log(`# oslo interop skipped: ${reason}`);

describe("interop with oslo.messaging's Python zmq driver", { skip: reason ?? false, timeout: 600_000 }, () => {
  let redis: RedisProcess;
  let transport: Transport;
  const peers: Peer[] = [];
  const casts: unknown[] = [];
  const notes: { eventType: string; publisherId: string | null; payload: unknown }[] = [];
  const topic = "interop";
  const endpoint = {
    echo: (_ctx: object, { value }: { value: unknown }) => ({ from: "typescript", value }),
    add: (_ctx: object, { a, b }: { a: number; b: number }) => a + b,
    fail_type: () => {
      throw new TypeError("not a number");
    },
    fail_range: () => {
      throw new RangeError("n must be positive");
    },
    note: (_ctx: object, { text }: { text: string }) => void casts.push(text),
  };

  before(async () => {
    redis = await startRedis();
    transport = await getRpcTransport(`zmq+redis://127.0.0.1:${redis.port}`, {
      bindAddress: "127.0.0.1",
      redisMatchmaker: { keyScheme: "oslo" },
    });
    await getRpcServer(transport, { topic, server: "ts-1" }, [endpoint]).start();
    const py = new Peer(["server", String(redis.port), topic, "py-1"]);
    peers.push(py);
    await py.waitFor((l) => l.ready === true, "ready line");
    const notifyEndpoint = {
      info: (_ctx: object, publisherId: string | null, eventType: string, payload: unknown) =>
        void notes.push({ eventType, publisherId, payload }),
    };
    await getNotificationListener(transport, [{ topic: "interop-notes" }], [notifyEndpoint]).start();
    const pyListener = new Peer(["listener", String(redis.port), "interop-notes"]);
    peers.push(pyListener);
    await pyListener.waitFor((l) => l.ready === true, "listener ready line");
  });
  after(async () => {
    for (const p of peers) p.kill();
    await transport?.close();
    await redis?.stop();
  });

  test("interop - a Python client calls and casts to a server here and gets its results and errors", async () => {
    const client = new Peer(["client", String(redis.port), topic, "ts-1"]);
    peers.push(client);
    await client.waitFor((l) => l.done === true, "end of the client cases", 240_000);
    const c = (name: string): Line => client.lines.find((l) => l.case === name) ?? {};
    console.log(`# python client -> ts server: ${JSON.stringify(client.lines)}`);
    assert.deepEqual(c("call").result, { from: "typescript", value: [1, "two"] });
    assert.equal(c("call-topic").result, 5);
    assert.equal(c("cast").ok, true);
    assert.deepEqual([c("no-such-method").type, c("no-such-method").exc_type], ["RemoteError", "NoSuchMethod"]);
    assert.equal(c("no-such-method").value, "Endpoint does not support RPC method nope");
    assert.deepEqual([c("type-error").type, c("type-error").module], ["TypeError", "builtins"]);
    assert.match(String(c("type-error").message), /^not a number/);
    assert.deepEqual([c("range-error").type, c("range-error").module], ["ValueError", "builtins"]);
    const py = peers[0]!;
    await py.waitFor((l) => l.cast === "note" && l.text === "python fanout", "the Python fanout on the Python server");
    await until(() => casts.includes("from python") && casts.includes("python fanout"));
    assert.ok(casts.includes("from python"), "cast reached the server here");
    assert.ok(casts.includes("python fanout"), "fanout reached the server here");
  });

  test("interop - a client here calls and casts to a Python server; NoSuchMethod and Python errors come back", async () => {
    const client = new RpcClient(transport, { topic, server: "py-1" }, { timeoutMs: 10_000 });
    assert.deepEqual(await client.call({}, "echo", { value: { n: 1 } }), {
      from: "python",
      server: "py-1",
      value: { n: 1 },
    });
    await client.cast({}, "note", { text: "from typescript" });
    await peers[0]!.waitFor((l) => l.text === "from typescript", "the cast on the Python server");
    const nsm = await client.call({}, "nope").catch((e: unknown) => e);
    assert.ok(nsm instanceof NoSuchMethod, String(nsm));
    assert.equal(nsm.method, "nope");
    const uv = await client
      .prepare({ version: "2.0" })
      .call({}, "echo", { value: 1 })
      .catch((e: unknown) => e);
    assert.ok(uv instanceof UnsupportedVersion && uv.version === "2.0" && uv.method === "echo", String(uv));
    const ve = await client.call({}, "subtract", { increment: 3 }).catch((e: unknown) => e);
    assert.ok(ve instanceof RemoteError && ve.excType === "ValueError", String(ve));
    assert.equal(ve.value, "ival can't go negative!");
  });

  test("interop - a fanout from here reaches servers of both kinds", async () => {
    const client = new RpcClient(transport, { topic, fanout: true }, { timeoutMs: 10_000 });
    await client.cast({}, "note", { text: "ts fanout" });
    await peers[0]!.waitFor((l) => l.text === "ts fanout", "the fanout on the Python server");
    await until(() => casts.includes("ts fanout"));
    assert.ok(casts.includes("ts fanout"));
  });

  test("interop - Python rebuilds the failures sent from here as spec/codec.md's table says", async () => {
    const sent = [new NoSuchMethod("nope"), new TypeError("t"), new RangeError("r"), new URIError("u")];
    const r = spawnSync(PYTHON, [PEER, "failures"], {
      input: `${sent.map((e) => serializeRemoteError(e)).join("\n")}\n`,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const got = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line)
      .map((l) => `${l.cls} allowed=${l.allowed}: ${l.module}.${l.type}`);
    console.log(`# python rebuilds: ${JSON.stringify(got)}`);
    assert.deepEqual(got, [
      "NoSuchMethod allowed=false: oslo_messaging.rpc.client.RemoteError",
      "NoSuchMethod allowed=true: oslo_messaging.rpc.dispatcher_Remote.NoSuchMethod_Remote",
      "TypeError allowed=false: builtins.TypeError",
      "TypeError allowed=true: builtins.TypeError",
      "ValueError allowed=false: builtins.ValueError",
      "ValueError allowed=true: builtins.ValueError",
      "URIError allowed=false: oslo_messaging.rpc.client.RemoteError",
      "URIError allowed=true: oslo_messaging.rpc.client.RemoteError",
    ]);
  });

  test("interop - a notification reaches listeners of both kinds, from a notifier of either kind", async () => {
    const pyListener = peers[1]!;
    const notifier = new Notifier(transport, { publisherId: "ts.host", topics: ["interop-notes"] });
    await notifier.info({}, "interop.typescript", { text: "from ts" });
    await pyListener.waitFor((l) => l.notification === "interop.typescript", "the notification on the Python listener");
    const py = new Peer(["notifier", String(redis.port), "interop-notes", "from python"]);
    peers.push(py);
    await py.waitFor((l) => l.sent === true, "the Python notifier's send");
    await pyListener.waitFor((l) => l.notification === "interop.python", "Python's own notification");
    await until(() => notes.length >= 2);
    console.log(`# notifications here: ${JSON.stringify(notes)}`);
    assert.deepEqual(notes.map((n) => [n.eventType, n.publisherId, n.payload]).sort(), [
      ["interop.python", "python.host", { text: "from python" }],
      ["interop.typescript", "ts.host", { text: "from ts" }],
    ]);
    assert.deepEqual(pyListener.lines.find((l) => l.notification === "interop.typescript")?.payload, {
      text: "from ts",
    });
  });
});
