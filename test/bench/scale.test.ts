/**
 * Goal: the scale benchmark (`npm run bench:scale`, bench/scale.ts; spec/proxy.md "Measured
 * figures") takes the options its usage names with the documented defaults, refuses
 * mistakes, spreads the servers over the processes evenly, and counts what it claims to
 * count: each established TCP connection with an end in the run once, the ends per owner,
 * the connections to Redis apart; the loop's p50 and calls/s from the clients' latencies.
 * Method: hand-written /proc/net/tcp text for the tally; then, against the real /proc, a
 * loopback server and three connections in this process, counted by difference (whatever
 * else this process holds stays the same). The 50 × 50 run itself is not a test: it takes
 * minutes and a hundred processes.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, Socket } from "node:net";
import { test } from "node:test";
import { UsageError } from "../../src/cli/command-line.js";
import { parseScaleArgs, serverName, spreadServers } from "../../bench/scale-cli.js";
import {
  cpuMs,
  cpuSample,
  parseProcNetTcp,
  rssBytes,
  snapshot,
  socketInodes,
  tallyConnections,
} from "../../bench/scale-procfs.js";
import { idleCpu, loopFigures, proxyCounters } from "../../bench/scale-report.js";

test("scale - defaults: 50 clients, 50 servers in 5 processes, 2 proxies, 200 calls, acks on, both modes", () => {
  assert.deepEqual(parseScaleArgs([]), {
    clients: 50,
    servers: 50,
    serverProcesses: 5,
    proxies: 2,
    callsPerClient: 200,
    concurrency: 1,
    startBatch: 5,
    modes: ["direct", "proxy"],
    acks: true,
    timeoutMs: 60_000,
    json: false,
  });
  const a = parseScaleArgs(["--clients", "20", "--servers", "20", "--modes", "proxy", "--no-acks", "--json"]);
  assert.ok(a !== "help");
  assert.deepEqual(
    [a.clients, a.servers, a.serverProcesses, a.modes, a.acks, a.json],
    [20, 20, 2, ["proxy"], false, true],
  );
  const b = parseScaleArgs(["--heartbeat-interval-ms", "0", "--modes", "proxy,direct"]);
  assert.ok(b !== "help");
  assert.deepEqual([b.heartbeatIntervalMs, b.modes], [0, ["proxy", "direct"]]);
  assert.equal(parseScaleArgs(["--help"]), "help");
});

test("scale - mistakes are UsageErrors that name the option", () => {
  for (const [argv, re] of [
    [["--clients", "0"], /--clients needs an integer >= 1/],
    [["--servers", "4", "--server-processes", "5"], /--server-processes \(5\) exceeds --servers \(4\)/],
    [["--modes", "direct,star"], /--modes takes direct and proxy, got star/],
    [["--bogus"], /unknown option --bogus/],
    [["--proxies"], /--proxies needs a value/],
  ] as const)
    assert.throws(
      () => parseScaleArgs([...argv]),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
    );
});

test("scale - servers are spread over the processes: each index once, sizes differ by at most one", () => {
  for (const [servers, procs] of [
    [50, 5],
    [50, 7],
    [3, 3],
    [20, 1],
  ] as const) {
    const groups = spreadServers(servers, procs);
    assert.equal(groups.length, procs);
    assert.deepEqual(
      groups.flat().sort((x, y) => x - y),
      Array.from({ length: servers }, (_, i) => i),
    );
    const sizes = groups.map((g) => g.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }
  assert.equal(new Set(Array.from({ length: 1000 }, (_, i) => serverName(i))).size, 1000);
});

const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const row = (sl: number, local: string, remote: string, st: string, inode: number): string =>
  `   ${sl}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 20 4 30 10 -1`;

test("scale - the tally counts a connection once with both ends in the run, once with one, never with none, and Redis apart", () => {
  const text = [
    HEADER,
    row(0, "0100007F:1F90", "00000000:0000", "0A", 10), // a listener (8080): not a connection
    row(1, "0100007F:1F90", "0100007F:C000", "01", 11), // server end of A
    row(2, "0100007F:C000", "0100007F:1F90", "01", 12), // client end of A
    row(3, "0100007F:C001", "0100007F:18EB", "01", 13), // client end of B, to Redis (6379); Redis's end not owned
    row(4, "0100007F:18EB", "0100007F:C001", "01", 99),
    row(5, "0100007F:C002", "0100007F:1F91", "01", 98), // C: neither end in the run
    row(6, "0100007F:1F91", "0100007F:C002", "01", 97),
    row(7, "0100007F:C003", "0100007F:1F90", "06", 14), // TIME_WAIT: not established
    "garbage",
  ].join("\n");
  const rows = parseProcNetTcp(text);
  assert.equal(rows.length, 8);
  assert.deepEqual([rows[1]!.localPort, rows[1]!.remotePort, rows[1]!.state, rows[1]!.inode], [8080, 49152, 1, 11]);
  const owners = new Map([
    [10, "server"],
    [11, "server"],
    [12, "client"],
    [13, "client"],
    [14, "client"],
  ]);
  const t = tallyConnections(rows, owners, 6379);
  assert.equal(t.total, 2);
  assert.equal(t.toSpecialPort, 1);
  assert.deepEqual(Object.fromEntries(t.endsByOwner), { server: 1, client: 2 });
  assert.deepEqual(
    socketInodes(["socket:[11]", "pipe:[5]", "/dev/null", "anon_inode:[eventfd]", "socket:[12]"]),
    [11, 12],
  );
  assert.equal(rssBytes("Name:\tnode\nVmRSS:\t   51200 kB\nThreads:\t7\n"), 51200 * 1024);
  // utime 150 and stime 25 ticks (fields 14, 15), after a command name with a space and a parenthesis.
  assert.equal(cpuMs("4242 (a b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 7 0 1000"), 1750);
});

test("scale - on the real /proc: three loopback connections inside this process are three connections and six ends", async () => {
  const pids = new Map([[process.pid, "me"]]);
  const before = snapshot(pids);
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  let serverEnds = 0;
  const accepted = new Promise<void>((r) =>
    server.on("connection", () => {
      if (++serverEnds === 3) r();
    }),
  );
  const sockets = [new Socket(), new Socket(), new Socket()];
  try {
    await Promise.all(sockets.map((s) => once(s.connect(port, "127.0.0.1"), "connect")));
    await accepted;
    const after = snapshot(pids);
    assert.equal(after.connections.total - before.connections.total, 3);
    assert.equal((after.connections.endsByOwner.get("me") ?? 0) - (before.connections.endsByOwner.get("me") ?? 0), 6);
    const me = after.processes.get(process.pid)!;
    // Six connected sockets and a listener more than before.
    assert.equal(me.sockets - before.processes.get(process.pid)!.sockets, 7);
    assert.ok(me.fds >= me.sockets && me.rssBytes > 0);
    assert.ok(cpuSample(pids).get("me")! > 0);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test("scale - the loop's figures: p50 and p99 of the latencies, calls/s over the wall time, failures kept", () => {
  const us = Array.from({ length: 100 }, (_, i) => (i + 1) * 10); // 10 µs … 1000 µs
  const f = loopFigures(us, 3, 2000);
  assert.equal(f.ok, 100);
  assert.equal(f.failed, 3);
  assert.equal(f.callsPerSec, 50);
  // The histogram is exact below 64 µs and within 1/64 above.
  assert.ok(f.p50Ms! >= 0.5 && f.p50Ms! <= 0.5 * (1 + 1 / 64), String(f.p50Ms));
  assert.ok(f.p99Ms! >= 0.99 && f.p99Ms! <= 1, String(f.p99Ms));
  assert.deepEqual(loopFigures([], 0, 0), { ok: 0, failed: 0, wallMs: 0, callsPerSec: 0, p50Ms: null, p99Ms: null });
});

test("scale - idle CPU: what each role used between two samples, in percent of one core over the measured window", () => {
  const before = new Map([
    ["client", 1000],
    ["server", 500],
  ]);
  const after = new Map([
    ["client", 1500],
    ["server", 750],
    ["proxy", 100],
  ]);
  assert.deepEqual(idleCpu(before, after, 2000), {
    windowMs: 2000,
    percent: 42.5,
    byRole: { client: 25, server: 12.5, proxy: 5 },
  });
});

test("scale - the proxies' counters: the stopped line of each proxy, summed; a proxy that printed none is not counted", () => {
  const stopped = (routed: number, noRoute: number): string =>
    `proxy ready frontend=tcp://127.0.0.1:1 backend=tcp://127.0.0.1:2 pid=7\nproxy stopping (SIGTERM): deregistered, draining 300 ms\nproxy stopped ${JSON.stringify(
      {
        routed,
        published: 0,
        publishedCopies: 0,
        back: 2 * routed,
        subscribes: 3,
        dropped: { malformed: 0, "no-route": noRoute },
        sendFailures: 1,
      },
    )}\n`;
  assert.deepEqual(proxyCounters([stopped(10, 1), stopped(5, 0), "proxy ready frontend=x backend=y\n"]), {
    reported: 2,
    routed: 15,
    back: 30,
    dropped: { malformed: 0, "no-route": 1 },
    sendFailures: 2,
  });
});
