/**
 * Goal: the matchmaker CLI (npm run matchmaker -- hosts <topic>) lists what Redis knows,
 * and reports bad usage and an unreachable Redis with distinct exit codes; it parses TLS
 * files and --password-file, and `acl` prints the ACL a matchmaker user needs.
 * (Authentication and TLS against Redis: test/redis/auth.test.ts, test/redis/tls.test.ts.)
 * Method: argument parsing as a pure function; the CLI itself as a child process against a
 * real redis-server with two registered servers.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { getRpcServer, getRpcTransport, type Transport } from "../../src/index.js";
import { aclCommand, helpFor, parseCliArgs, USAGE } from "../../src/matchmaker/redis/cli.js";
import { freePort, redisSkipReason, startRedis, type RedisProcess } from "../support/redis-server.js";
import { runScript } from "../support/run-script.js";

const runCli = (args: string[]) => runScript(CLI, args, { timeoutMs: 20_000 });

const CLI = fileURLToPath(new URL("../../src/matchmaker/redis/cli.ts", import.meta.url));

describe("matchmaker CLI arguments", () => {
  test("hosts takes a topic and optional --exchange/--server; the URL comes from --url, the environment, or the default", () => {
    assert.deepEqual(parseCliArgs(["hosts", "compute"]), {
      command: { cmd: "hosts", topic: "compute" },
      url: "zmq+redis://127.0.0.1:6379",
      json: false,
    });
    assert.deepEqual(
      parseCliArgs(["hosts", "compute", "--server", "n1", "--exchange", "nova", "--json"], {
        ZMQ_TRANSPORT_URL: "zmq+redis://r:1",
      }),
      {
        command: { cmd: "hosts", topic: "compute", exchange: "nova", server: "n1" },
        url: "zmq+redis://r:1",
        json: true,
      },
    );
    assert.equal(
      parseCliArgs(["--url", "zmq+sentinel://s:26379/m", "keys"], { ZMQ_TRANSPORT_URL: "zmq+redis://r:1" }).url,
      "zmq+sentinel://s:26379/m",
    );
    assert.deepEqual(parseCliArgs(["keys", "nova/", "--prefix", "p:"]).command, { cmd: "keys", prefix: "nova/" });
  });

  test("TLS files, --password-file and acl [USER] parse; --tls-cert and --tls-key go together", () => {
    assert.deepEqual(
      parseCliArgs([
        "keys",
        "--tls-ca",
        "ca.pem",
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
        "--tls-servername",
        "r",
      ]),
      {
        command: { cmd: "keys", prefix: "" },
        url: "zmq+redis://127.0.0.1:6379",
        json: false,
        tls: { ca: "ca.pem", cert: "c.pem", key: "k.pem", servername: "r" },
      },
    );
    assert.equal(parseCliArgs(["watch", "--password-file", "/run/secrets/pw"]).passwordFile, "/run/secrets/pw");
    assert.deepEqual(parseCliArgs(["acl"]).command, { cmd: "acl", user: "zmq-matchmaker" });
    assert.deepEqual(parseCliArgs(["acl", "mm"]).command, { cmd: "acl", user: "mm" });
    assert.throws(() => parseCliArgs(["keys", "--tls-cert", "c.pem"]), {
      message: "--tls-cert and --tls-key go together",
    });
    assert.throws(() => parseCliArgs(["acl", "a", "b"]), { message: "acl takes at most one user name" });
    assert.equal(
      aclCommand("mm", "p:", 2),
      "ACL SETUSER mm on ><password> resetkeys ~p:* resetchannels &p:changes:* -@all +evalsha +eval +subscribe +info +time +zadd +zrem +zscore +zrange +zrangebyscore +zremrangebyscore +pexpire +persist +publish +select",
    );
    assert.match(aclCommand("mm", "a*b["), / ~a\\\*b\\\[\* /, "glob characters of the prefix are escaped");
  });

  test("mistakes are rejected with a message naming them", () => {
    const mistakes: [string[], RegExp][] = [
      [[], /^missing command$/],
      [["hosts"], /^hosts takes exactly one topic$/],
      [["hosts", "a", "b"], /^hosts takes exactly one topic$/],
      [["keys", "a", "b"], /^keys takes at most one key prefix$/],
      [["watch", "now"], /^watch takes no arguments$/],
      [["frob"], /^unknown command "frob"$/],
      [["keys", "--url"], /^--url needs a value$/],
      [["keys", "--url", "--json"], /^--url needs a value/],
      [["keys", "--verbose"], /^unknown option --verbose$/],
      [["keys", "-v"], /^unknown option -v$/],
      [["keys", "--json=yes"], /^--json takes no value$/],
      [["keys", "--server", "n1"], /^--server applies to hosts only, not to keys$/],
      [["watch", "--exchange", "nova"], /^--exchange applies to hosts only, not to watch$/],
    ];
    for (const [argv, message] of mistakes)
      assert.throws(() => parseCliArgs(argv), { name: "Error", message }, argv.join(" "));
  });

  test("--help (or -h, anywhere) asks for the whole usage, or a command's own with the common options", () => {
    assert.equal(helpFor(["hosts", "compute"]), undefined);
    assert.equal(helpFor(["--help"]), `${USAGE}\n`);
    assert.equal(helpFor(["-h", "frob"]), `${USAGE}\n`, "an unknown command gets the whole usage");
    for (const cmd of ["hosts", "keys", "watch"]) {
      const help = helpFor([cmd, "--help"]);
      assert.match(help ?? "", new RegExp(`^usage: npm run matchmaker -- ${cmd}`));
      assert.match(help ?? "", /--url URL/);
      assert.equal(helpFor(["--json", "-h", cmd]), help);
    }
    assert.match(helpFor(["hosts", "--help"]) ?? "", /--server S +only that server's key/);
    assert.match(USAGE, /hosts <topic>[\s\S]*keys \[KEY-PREFIX\][\s\S]*watch/);
    assert.throws(() => helpFor(["--help", "--bogus"]), /unknown option --bogus/);
  });
});

describe("matchmaker CLI as a program (no Redis needed)", () => {
  test("--help and <command> --help print to stdout and exit 0; bad usage exits 2 with the message and the usage", async () => {
    const all = await runCli(["--help"]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, `${USAGE}\n`);
    const hosts = await runCli(["hosts", "--help"]);
    assert.equal(hosts.code, 0, hosts.stderr);
    assert.match(hosts.stdout, /^usage: npm run matchmaker -- hosts <topic>/);
    const acl = await runCli(["acl", "--prefix", "nova:", "--url", "zmq+redis://:secret@h/0"]);
    assert.equal(acl.code, 0, acl.stderr);
    assert.match(acl.stdout, /^ACL SETUSER zmq-matchmaker on ><password> resetkeys ~nova:\* .* \+publish\n$/);
    const bad = await runCli(["keys", "--server", "n1"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, "");
    assert.match(bad.stderr, /^--server applies to hosts only, not to keys\nusage: npm run matchmaker/);
  });
});

describe("matchmaker CLI against Redis", { skip: redisSkipReason() ?? false, timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let transport: Transport;
  const topic = `cli-${randomUUID().slice(0, 8)}`;
  const hosts: string[] = [];
  before(async () => {
    redis = await startRedis();
    transport = await getRpcTransport(redis.url);
    for (const server of ["node-1", "node-2"]) {
      const s = getRpcServer(transport, { topic, server }, [{ ping: () => "pong" }]);
      await s.start();
      hosts.push(s.host!);
    }
  });
  after(async () => {
    await transport?.close();
    await redis?.stop();
  });

  test("hosts <topic> lists the topic key and each server key with the time left on their TTL", async () => {
    const r = await runCli(["--url", redis.url, "hosts", topic]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`openstack/${topic}  \\(2 hosts\\)`));
    assert.match(r.stdout, new RegExp(`openstack/${topic}/node-1  \\(1 host\\)`));
    for (const h of hosts) assert.ok(r.stdout.includes(`${h}  expires in`), r.stdout);
  });

  test("hosts --server --json gives that server's key only, machine-readable", async () => {
    const r = await runCli(["--url", redis.url, "--json", "hosts", topic, "--server", "node-2"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { key: string; hosts: { host: string; remainingMs: number }[] }[];
    assert.deepEqual(
      out.map((o) => o.key),
      [`openstack/${topic}/node-2`],
    );
    assert.equal(out[0]!.hosts[0]!.host, hosts[1]);
    assert.ok(out[0]!.hosts[0]!.remainingMs > 0 && out[0]!.hosts[0]!.remainingMs <= 3000);
  });

  test("an unreachable Redis exits with status 1 and says so; bad usage exits with 2", async () => {
    const down = await runCli(["--url", `zmq+redis://127.0.0.1:${await freePort()}`, "keys"]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /matchmaker unavailable/);
    const bad = await runCli(["hosts"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /hosts takes exactly one topic\nusage: npm run matchmaker/);
  });
});
